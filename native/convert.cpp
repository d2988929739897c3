#include "convert.h"
#include <map>

namespace ssgan {
namespace {

// Strict reads of one JS object's keys; errors name the object (`where`) and the key.
class Reader {
 public:
  Reader(const Napi::Value& v, std::string where) : where_(std::move(where)) {
    if (!v.IsObject()) throw std::runtime_error(where_ + " must be an object");
    o_ = v.As<Napi::Object>();
  }
  Napi::Value get(const char* key) const {
    if (!o_.Has(key)) throw std::runtime_error(where_ + ": missing '" + key + "'");
    return o_.Get(key);
  }
  double number(const char* key) const {
    auto v = get(key);
    if (!v.IsNumber()) throw std::runtime_error(where_ + ": '" + key + "' must be a number");
    return v.As<Napi::Number>().DoubleValue();
  }
  int64_t integer(const char* key) const {
    double d = number(key);
    if (d != static_cast<double>(static_cast<int64_t>(d))) throw std::runtime_error(where_ + ": '" + key + "' must be an integer");
    return static_cast<int64_t>(d);
  }
  bool flag(const char* key) const {
    auto v = get(key);
    if (!v.IsBoolean()) throw std::runtime_error(where_ + ": '" + key + "' must be true or false");
    return v.As<Napi::Boolean>().Value();
  }
  std::string text(const char* key) const {
    auto v = get(key);
    if (!v.IsString()) throw std::runtime_error(where_ + ": '" + key + "' must be a string");
    return v.As<Napi::String>().Utf8Value();
  }
  // The enum named by a string key, from a table of {name, value}.
  template <typename E>
  E choice(const char* key, const std::map<std::string, E>& table) const {
    auto s = text(key);
    auto it = table.find(s);
    if (it == table.end()) throw std::runtime_error(where_ + ": '" + key + "' cannot be '" + s + "'");
    return it->second;
  }
  const std::string& where() const { return where_; }

 private:
  Napi::Object o_;
  std::string where_;
};

const std::map<std::string, Op> OPS = {
    {"conv", Op::Conv}, {"deconv", Op::Deconv}, {"dense", Op::Dense}, {"norm", Op::Norm}, {"act", Op::Act},
    {"resize", Op::Resize}, {"resizeTo", Op::ResizeTo}, {"reshape", Op::Reshape}, {"flatten", Op::Flatten},
    {"meanHW", Op::MeanHW}, {"affine", Op::Affine}, {"noise", Op::Noise}, {"dropout", Op::Dropout}, {"zeroLogit", Op::ZeroLogit}};
const std::map<std::string, Act> ACTS = {
    {"lrelu", Act::LeakyRelu}, {"relu", Act::Relu}, {"tanh", Act::Tanh}, {"sigmoid", Act::Sigmoid}, {"softplus", Act::Softplus}};
const std::map<std::string, NormKind> NORMS = {{"batch", NormKind::Batch}, {"instance", NormKind::Instance}};
const std::map<std::string, ResizeMode> RESIZES = {{"bilinear", ResizeMode::Bilinear}, {"nearest", ResizeMode::Nearest}};

LayerSpec toLayer(const Napi::Value& v, const std::string& where) {
  Reader r(v, where);
  LayerSpec l;
  l.op = r.choice("op", OPS);
  switch (l.op) {
    case Op::Conv:
    case Op::Deconv:
    case Op::Dense:
      l.name = r.text("name");
      l.inC = r.integer("inC");
      l.outC = r.integer("outC");
      if (l.op != Op::Dense) {
        l.k = r.integer("k");
        l.stride = r.integer("stride");
        l.pad = r.integer("pad");
      }
      if (l.op == Op::Deconv) l.outPad = r.integer("outPad");
      l.weightNorm = r.flag("weightNorm");
      l.trainGain = r.flag("trainGain");
      l.fromData = r.flag("fromData");
      l.initScale = r.number("initScale");
      l.initStd = r.number("initStd");
      l.glorot = r.flag("glorot");
      break;
    case Op::Norm:
      l.name = r.text("name");
      l.norm = r.choice("kind", NORMS);
      l.ch = r.integer("ch");
      l.affine = r.flag("affine");
      l.shift = r.flag("shift");
      l.eps = r.number("eps");
      l.momentum = r.number("momentum");
      break;
    case Op::Act:
      l.act = r.choice("fn", ACTS);
      if (l.act == Act::LeakyRelu) l.slope = r.number("slope");
      break;
    case Op::Resize:
      l.mode = r.choice("mode", RESIZES);
      l.scale = r.number("scale");
      break;
    case Op::ResizeTo:
      l.mode = r.choice("mode", RESIZES);
      l.h = r.integer("h");
      l.w = r.integer("w");
      break;
    case Op::Reshape: {
      auto shape = r.get("shape");
      if (!shape.IsArray()) throw std::runtime_error(where + ": 'shape' must be an array");
      auto a = shape.As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); ++i) l.shape.push_back(a.Get(i).As<Napi::Number>().Int64Value());
      break;
    }
    case Op::Affine:
      l.mul = r.number("mul");
      l.add = r.number("add");
      break;
    case Op::Noise:
      l.std = r.number("std");
      break;
    case Op::Dropout:
      l.p = r.number("p");
      break;
    case Op::Flatten:
    case Op::MeanHW:
    case Op::ZeroLogit:
      break;
  }
  return l;
}

std::vector<LayerSpec> toLayers(const Reader& desc, const char* net) {
  auto v = desc.get(net);
  if (!v.IsArray()) throw std::runtime_error(std::string("description: '") + net + "' must be an array of layers");
  auto a = v.As<Napi::Array>();
  std::vector<LayerSpec> out;
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(toLayer(a.Get(i), std::string(net) + " layer " + std::to_string(i)));
  return out;
}

}  // namespace

ModelSpec toSpec(const Napi::Value& description) {
  Reader desc(description, "description");
  Reader cfg(desc.get("config"), "description.config");
  ModelSpec s;
  s.h = cfg.integer("h");
  s.w = cfg.integer("w");
  s.c = cfg.integer("c");
  s.k = cfg.integer("k");
  s.nz = cfg.integer("nz");
  s.discriminator = toLayers(desc, "discriminator");
  s.generator = toLayers(desc, "generator");
  s.featureLayer = desc.integer("featureLayer");
  s.zLow = desc.number("zLow");
  s.zHigh = desc.number("zHigh");
  return s;
}

TrainOptions toOptions(const Napi::Value& options) {
  Reader r(options, "options");
  TrainOptions t;
  t.learningRateG = r.number("learningRateG");
  t.learningRateD = r.number("learningRateD");
  t.beta1 = r.number("beta1");
  t.clipNorm = r.number("clipNorm");
  t.alpha = r.number("alpha");
  t.emaDecay = r.number("emaDecay");
  t.seed = static_cast<uint64_t>(r.integer("seed"));
  t.device = r.choice<Device>("device", {{"cpu", Device::Cpu}, {"cuda", Device::Cuda}});
  t.loss = r.choice<Loss>("loss", {{"seed", Loss::Seed}, {"improved-gan", Loss::ImprovedGan}});
  t.gLoss = r.choice<GeneratorLoss>("gLoss", {{"seed", GeneratorLoss::Seed}, {"feature-matching", GeneratorLoss::FeatureMatching}, {"feature-matching-l1", GeneratorLoss::FeatureMatchingL1}, {"non-saturating", GeneratorLoss::NonSaturating}});
  t.adamEpsilonInsideSqrt = r.choice<bool>("adamEpsilon", {{"pytorch", false}, {"official", true}});
  t.gan = r.flag("gan");
  t.fakeNorm = r.choice<FakeNorm>("fakeBatchNorm", {{"own", FakeNorm::Own}, {"real", FakeNorm::Real}});
  t.precision = r.choice<Precision>("precision", {{"fp32", Precision::Fp32}, {"bf16", Precision::Bf16}});
  t.updateRate = r.integer("updateRate");
  t.reconWeight = r.number("reconWeight");
  t.reconSteps = r.integer("reconSteps");
  return t;
}

dist::GroupOptions toGroupOptions(const Napi::Value& options) {
  Reader r(options, "process group");
  dist::GroupOptions g;
  g.rank = static_cast<int>(r.integer("rank"));
  g.world = static_cast<int>(r.integer("world"));
  g.masterAddr = r.text("masterAddr");
  g.masterPort = static_cast<int>(r.integer("masterPort"));
  g.timeout = std::chrono::milliseconds(r.integer("timeoutMs"));
  g.backend = r.choice<dist::Backend>("backend", {{"gloo", dist::Backend::Gloo}, {"nccl", dist::Backend::Nccl}});
  g.agentStorePrefix = r.text("agentStorePrefix");
  return g;
}

torch::Tensor toTensor(const Napi::Value& v, const std::vector<int64_t>& shape, const std::string& what, bool borrow) {
  if (!v.IsTypedArray()) throw std::runtime_error(what + " must be a typed array");
  auto ta = v.As<Napi::TypedArray>();
  int64_t expected = 1;
  for (auto d : shape) expected *= d;
  if (static_cast<int64_t>(ta.ElementLength()) != expected)
    throw std::runtime_error(what + " has " + std::to_string(ta.ElementLength()) + " elements, expected " + std::to_string(expected));
  void* data = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  torch::ScalarType type;
  switch (ta.TypedArrayType()) {
    case napi_uint8_array: type = torch::kUInt8; break;
    case napi_int32_array: type = torch::kInt32; break;
    case napi_float32_array: type = torch::kFloat; break;
    default: throw std::runtime_error(what + ": use a Uint8Array, Int32Array or Float32Array");
  }
  auto view = torch::from_blob(data, shape, type);
  return borrow ? view : view.clone();  // the copy outlives the JS buffer
}

std::pair<torch::Tensor, torch::Tensor> toBatch(const Napi::Value& v, const ModelSpec& spec, const std::string& what) {
  Reader r(v, what);
  int64_t n = r.integer("n");
  if (n <= 0) throw std::runtime_error(what + ".n must be a positive integer");
  return {toTensor(r.get("images"), {n, spec.h, spec.w, spec.c}, what + ".images"), toTensor(r.get("labels"), {n}, what + ".labels")};
}

StepBatches toStepBatches(const Napi::Value& v, const ModelSpec& spec) {
  if (!v.IsObject()) throw std::runtime_error("step batches must be {labeled?, unlabeled?, generatorReal?}");
  auto o = v.As<Napi::Object>();
  auto given = [&](const char* key) { return o.Has(key) && !o.Get(key).IsUndefined() && !o.Get(key).IsNull(); };
  StepBatches b;
  if (given("labeled")) std::tie(b.labeledImages, b.labels) = toBatch(o.Get("labeled"), spec, "labeled");
  if (given("unlabeled")) b.unlabeled = toBatch(o.Get("unlabeled"), spec, "unlabeled").first;
  if (given("generatorReal")) b.generatorReal = toBatch(o.Get("generatorReal"), spec, "generatorReal").first;
  return b;
}

std::map<std::string, torch::Tensor> toWeights(const Napi::Value& v, bool borrow) {
  if (!v.IsObject()) throw std::runtime_error("weights must be {name: {shape, data}}");
  auto o = v.As<Napi::Object>();
  std::map<std::string, torch::Tensor> w;
  auto names = o.GetPropertyNames();
  for (uint32_t i = 0; i < names.Length(); ++i) {
    auto name = names.Get(i).As<Napi::String>().Utf8Value();
    Reader entry(o.Get(name), name);
    auto shapeArr = entry.get("shape").As<Napi::Array>();
    std::vector<int64_t> shape;
    for (uint32_t d = 0; d < shapeArr.Length(); ++d) shape.push_back(shapeArr.Get(d).As<Napi::Number>().Int64Value());
    w[name] = toTensor(entry.get("data"), shape, name, borrow);
  }
  return w;
}

Napi::Float32Array toFloat32Array(Napi::Env env, const torch::Tensor& t) {
  auto c = t.to(torch::kCPU).to(torch::kFloat).contiguous();
  auto out = Napi::Float32Array::New(env, c.numel());
  std::memcpy(out.Data(), c.data_ptr<float>(), c.numel() * sizeof(float));
  return out;
}

Napi::Object toJs(Napi::Env env, const Losses& losses) {
  auto o = Napi::Object::New(env);
  for (auto& [k, v] : losses) o.Set(k, v);
  return o;
}

Napi::Object toJs(Napi::Env env, const StepPlan& plan) {
  auto o = Napi::Object::New(env);
  o.Set("labeled", plan.labeled);
  o.Set("unlabeled", plan.unlabeled);
  o.Set("generatorReal", plan.generatorReal);
  return o;
}

Napi::Object toJs(Napi::Env env, const std::vector<std::pair<std::string, torch::Tensor>>& weights) {
  auto out = Napi::Object::New(env);
  for (auto& [name, t] : weights) {
    auto entry = Napi::Object::New(env);
    auto shape = Napi::Array::New(env, t.dim());
    for (int64_t d = 0; d < t.dim(); ++d) shape.Set(static_cast<uint32_t>(d), Napi::Number::New(env, static_cast<double>(t.size(d))));
    entry.Set("shape", shape);
    entry.Set("data", toFloat32Array(env, t.detach()));
    out.Set(name, entry);
  }
  return out;
}

}  // namespace ssgan
