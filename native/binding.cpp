// Node-API surface of the addon. This file only translates between JS values and Trainer calls;
// heavy calls run on libuv's pool (TaskWorker) and settle a Promise; C++ exceptions become
// rejected Promises (or thrown JS errors for synchronous calls) carrying their message.
#include <malloc.h>
#include <napi.h>
#include <functional>
#include <memory>
#include "threads.h"
#include "trainer.h"

namespace ssgan {
namespace {

std::string errorText(const std::exception& e) {
  if (auto* te = dynamic_cast<const c10::Error*>(&e)) return te->what_without_backtrace();
  return e.what();
}

// ---- JS -> spec --------------------------------------------------------------------------------

int64_t intOr(const Napi::Object& o, const char* key, int64_t fallback) {
  auto v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Int64Value() : fallback;
}
double numOr(const Napi::Object& o, const char* key, double fallback) {
  auto v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}
std::string strOr(const Napi::Object& o, const char* key, const std::string& fallback) {
  auto v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : fallback;
}
bool boolOr(const Napi::Object& o, const char* key, bool fallback) {
  auto v = o.Get(key);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : fallback;
}

LayerSpec toLayer(const Napi::Object& o) {
  LayerSpec l;
  l.op = strOr(o, "op", "");
  l.name = strOr(o, "name", "");
  l.fn = strOr(o, "fn", "");
  l.kind = strOr(o, "kind", "");
  l.mode = strOr(o, "mode", "");
  l.inC = intOr(o, "inC", intOr(o, "inF", intOr(o, "ch", 0)));
  l.outC = intOr(o, "outC", intOr(o, "outF", intOr(o, "ch", 0)));
  l.k = intOr(o, "k", 0);
  l.stride = intOr(o, "stride", 1);
  l.pad = intOr(o, "pad", 0);
  l.outPad = intOr(o, "outPad", 0);
  l.h = intOr(o, "h", 0);
  l.w = intOr(o, "w", 0);
  l.weightNorm = boolOr(o, "weightNorm", false);
  l.affine = boolOr(o, "affine", false);
  l.shift = boolOr(o, "shift", false);
  l.slope = numOr(o, "slope", 0.2);
  l.scale = numOr(o, "scale", 2);
  l.mul = numOr(o, "mul", 1);
  l.add = numOr(o, "add", 0);
  l.std = numOr(o, "std", 0);
  l.p = numOr(o, "p", 0);
  l.initScale = numOr(o, "initScale", 1);
  l.initStd = numOr(o, "initStd", 0);
  l.trainGain = boolOr(o, "trainGain", true);
  l.fromData = boolOr(o, "fromData", true);
  if (l.op == "norm") {
    if (!o.Get("eps").IsNumber() || !o.Get("momentum").IsNumber())
      throw std::runtime_error("norm layer '" + l.name + "': the description must give eps and momentum");
    l.eps = numOr(o, "eps", 0);
    l.momentum = numOr(o, "momentum", 0);
  }
  auto shape = o.Get("shape");
  if (shape.IsArray()) {
    auto a = shape.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) l.shape.push_back(a.Get(i).As<Napi::Number>().Int64Value());
  }
  return l;
}

std::vector<LayerSpec> toLayers(const Napi::Value& v) {
  auto a = v.As<Napi::Array>();
  std::vector<LayerSpec> out;
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(toLayer(a.Get(i).As<Napi::Object>()));
  return out;
}

ModelSpec toSpec(const Napi::Object& desc) {
  ModelSpec s;
  auto cfg = desc.Get("config").As<Napi::Object>();
  s.h = intOr(cfg, "h", 0);
  s.w = intOr(cfg, "w", 0);
  s.c = intOr(cfg, "c", 0);
  s.k = intOr(cfg, "k", 0);
  s.nz = intOr(cfg, "nz", 0);
  s.discriminator = toLayers(desc.Get("discriminator"));
  s.generator = toLayers(desc.Get("generator"));
  s.featureLayer = intOr(desc, "featureLayer", -1);
  s.zLow = numOr(desc, "zLow", -1);
  s.zHigh = numOr(desc, "zHigh", 1);
  return s;
}

TrainOptions toOptions(const Napi::Object& o) {
  TrainOptions t;
  t.lrG = numOr(o, "lrG", t.lrG);
  t.lrD = numOr(o, "lrD", t.lrD);
  t.beta1 = numOr(o, "beta1", t.beta1);
  t.clipNorm = numOr(o, "clipNorm", t.clipNorm);
  t.alpha = numOr(o, "alpha", t.alpha);
  t.emaDecay = numOr(o, "emaDecay", t.emaDecay);
  t.seed = static_cast<uint64_t>(intOr(o, "seed", 0));
  t.device = strOr(o, "device", t.device);
  t.loss = strOr(o, "loss", t.loss);
  t.gLoss = strOr(o, "gLoss", t.gLoss);
  t.adamEpsilon = strOr(o, "adamEpsilon", t.adamEpsilon);
  if (t.adamEpsilon != "pytorch" && t.adamEpsilon != "official")
    throw std::runtime_error("adamEpsilon '" + t.adamEpsilon + "': pytorch or official");
  return t;
}

// ---- JS <-> tensors ----------------------------------------------------------------------------

// Copies a typed array into a tensor of the given shape (the copy outlives the JS buffer).
torch::Tensor tensorFrom(const Napi::Value& v, std::vector<int64_t> shape, const char* what) {
  if (!v.IsTypedArray()) throw std::runtime_error(std::string(what) + " must be a typed array");
  auto ta = v.As<Napi::TypedArray>();
  int64_t expected = 1;
  for (auto d : shape) expected *= d;
  if (static_cast<int64_t>(ta.ElementLength()) != expected)
    throw std::runtime_error(std::string(what) + " has " + std::to_string(ta.ElementLength()) + " elements, expected " + std::to_string(expected));
  void* data = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  torch::ScalarType type;
  switch (ta.TypedArrayType()) {
    case napi_uint8_array: type = torch::kUInt8; break;
    case napi_int32_array: type = torch::kInt32; break;
    case napi_float32_array: type = torch::kFloat; break;
    default: throw std::runtime_error(std::string(what) + ": use a Uint8Array, Int32Array or Float32Array");
  }
  return torch::from_blob(data, shape, type).clone();
}

Napi::Float32Array toFloat32Array(Napi::Env env, const torch::Tensor& t) {
  auto c = t.to(torch::kCPU).to(torch::kFloat).contiguous();
  auto out = Napi::Float32Array::New(env, c.numel());
  std::memcpy(out.Data(), c.data_ptr<float>(), c.numel() * sizeof(float));
  return out;
}

Napi::Object lossesToJs(Napi::Env env, const Losses& l) {
  auto o = Napi::Object::New(env);
  for (auto& [k, v] : l) o.Set(k, v);
  return o;
}

// ---- async plumbing ----------------------------------------------------------------------------

// Runs `task` on the worker pool; `convert` turns its result into a JS value on the main thread.
template <typename R>
class TaskWorker : public Napi::AsyncWorker {
 public:
  TaskWorker(Napi::Env env, std::function<R()> task, std::function<Napi::Value(Napi::Env, R&)> convert)
      : Napi::AsyncWorker(env), task_(std::move(task)), convert_(std::move(convert)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      result_ = task_();
    } catch (const std::exception& e) {
      SetError(errorText(e));
    }
  }
  void OnOK() override { deferred_.Resolve(convert_(Env(), result_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  std::function<R()> task_;
  std::function<Napi::Value(Napi::Env, R&)> convert_;
  R result_{};
  Napi::Promise::Deferred deferred_;
};

template <typename R>
Napi::Value runAsync(Napi::Env env, std::function<R()> task, std::function<Napi::Value(Napi::Env, R&)> convert) {
  auto* w = new TaskWorker<R>(env, std::move(task), std::move(convert));
  auto p = w->Promise();
  w->Queue();
  return p;
}

// Wraps a synchronous body so C++ exceptions surface as JS errors with their message.
template <typename F>
Napi::Value guarded(Napi::Env env, F body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, errorText(e));
  }
}

// ---- the Model class ---------------------------------------------------------------------------

class Model : public Napi::ObjectWrap<Model> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Model", {
      InstanceMethod("trainDiscriminator", &Model::TrainDiscriminator),
      InstanceMethod("trainGenerator", &Model::TrainGenerator),
      InstanceMethod("evaluate", &Model::Evaluate),
      InstanceMethod("classify", &Model::Classify),
      InstanceMethod("generate", &Model::Generate),
      InstanceMethod("sampleZ", &Model::SampleZ),
      InstanceMethod("initFromData", &Model::InitFromData),
      InstanceMethod("setLearningRates", &Model::SetLearningRates),
      InstanceMethod("save", &Model::Save),
      InstanceMethod("load", &Model::Load),
      InstanceMethod("weights", &Model::Weights),
      InstanceMethod("setWeights", &Model::SetWeights),
      InstanceAccessor("device", &Model::Device, nullptr),
    });
  }

  Model(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Model>(info) {
    guarded(info.Env(), [&]() -> Napi::Value {
      if (!info[0].IsObject() || !info[1].IsObject()) throw std::runtime_error("new Model(description, options): both must be objects");
      trainer_ = std::make_shared<Trainer>(toSpec(info[0].As<Napi::Object>()), toOptions(info[1].As<Napi::Object>()));
      return info.Env().Undefined();
    });
  }

 private:
  const ModelSpec& spec() const { return trainer_->spec(); }

  // {images: Uint8Array NHWC, labels: Int32Array, n} -> tensors
  std::pair<torch::Tensor, torch::Tensor> batchFrom(const Napi::Value& v, const char* what) {
    if (!v.IsObject()) throw std::runtime_error(std::string(what) + " must be {images, labels, n}");
    auto o = v.As<Napi::Object>();
    int64_t n = intOr(o, "n", 0);
    if (n <= 0) throw std::runtime_error(std::string(what) + ".n must be a positive integer");
    auto images = tensorFrom(o.Get("images"), {n, spec().h, spec().w, spec().c}, "images");
    auto labels = tensorFrom(o.Get("labels"), {n}, "labels");
    return {images, labels};
  }

  // Runs `body` on the worker pool with the trainer locked; `convert` makes its result a JS value.
  template <typename R>
  Napi::Value lockedAsync(Napi::Env env, std::function<R(Trainer&)> body, std::function<Napi::Value(Napi::Env, R&)> convert) {
    auto t = trainer_;  // keeps the trainer alive until the task has run
    return runAsync<R>(env, [t, body = std::move(body)] {
      std::lock_guard<std::mutex> lock(t->mutex());
      return body(*t);
    }, std::move(convert));
  }
  Napi::Value lossesAsync(Napi::Env env, std::function<Losses(Trainer&)> body) {
    return lockedAsync<Losses>(env, std::move(body), [](Napi::Env e, Losses& l) -> Napi::Value { return lossesToJs(e, l); });
  }
  Napi::Value tensorAsync(Napi::Env env, std::function<torch::Tensor(Trainer&)> body) {
    return lockedAsync<torch::Tensor>(env, std::move(body), [](Napi::Env e, torch::Tensor& r) -> Napi::Value { return toFloat32Array(e, r); });
  }
  Napi::Value voidAsync(Napi::Env env, std::function<void(Trainer&)> body) {
    return lockedAsync<bool>(env, [body = std::move(body)](Trainer& t) { body(t); return true; },
                             [](Napi::Env e, bool&) -> Napi::Value { return e.Undefined(); });
  }

  Napi::Value TrainDiscriminator(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto [images, labels] = batchFrom(info[0], "labeled");
      std::optional<torch::Tensor> unlabeled;
      if (info.Length() > 1 && info[1].IsObject()) unlabeled = batchFrom(info[1], "unlabeled").first;
      return lossesAsync(info.Env(), [images, labels, unlabeled](Trainer& t) { return t.trainDiscriminator(images, labels, unlabeled); });
    });
  }

  Napi::Value TrainGenerator(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto [images, labels] = batchFrom(info[0], "real");
      double recon = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 0;
      return lossesAsync(info.Env(), [images, labels, recon](Trainer& t) { return t.trainGenerator(images, labels, recon); });
    });
  }

  Napi::Value Evaluate(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto [images, labels] = batchFrom(info[0], "batch");
      return lossesAsync(info.Env(), [images, labels](Trainer& t) { return t.evaluate(images, labels); });
    });
  }

  Napi::Value Classify(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      int64_t n = info[1].As<Napi::Number>().Int64Value();
      auto images = tensorFrom(info[0], {n, spec().h, spec().w, spec().c}, "images");
      bool ema = info.Length() > 2 && info[2].ToBoolean();
      return tensorAsync(info.Env(), [images, ema](Trainer& t) { return t.classify(images, ema); });
    });
  }

  Napi::Value Generate(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      int64_t n = info[1].As<Napi::Number>().Int64Value();
      auto z = tensorFrom(info[0], {n, spec().nz}, "z");
      return tensorAsync(info.Env(), [z](Trainer& t) { return t.generate(z); });
    });
  }

  Napi::Value SampleZ(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      std::lock_guard<std::mutex> lock(trainer_->mutex());
      return toFloat32Array(info.Env(), trainer_->sampleZ(info[0].As<Napi::Number>().Int64Value()));
    });
  }

  Napi::Value InitFromData(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto [images, labels] = batchFrom(info[0], "batch");
      return voidAsync(info.Env(), [images](Trainer& t) { t.initFromData(images); });
    });
  }

  Napi::Value SetLearningRates(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      std::lock_guard<std::mutex> lock(trainer_->mutex());
      trainer_->setLearningRates(info[0].As<Napi::Number>().DoubleValue(), info[1].As<Napi::Number>().DoubleValue());
      return info.Env().Undefined();
    });
  }

  Napi::Value fileAsync(const Napi::CallbackInfo& info, bool save) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      if (!info[0].IsString()) throw std::runtime_error("a file path is required");
      std::string file = info[0].As<Napi::String>().Utf8Value();
      bool weightsOnly = info.Length() > 1 && info[1].ToBoolean();
      return voidAsync(info.Env(), [file, save, weightsOnly](Trainer& t) {
        if (save) t.save(file); else t.load(file, weightsOnly);
      });
    });
  }
  Napi::Value Save(const Napi::CallbackInfo& info) { return fileAsync(info, true); }
  Napi::Value Load(const Napi::CallbackInfo& info) { return fileAsync(info, false); }

  Napi::Value Weights(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      std::lock_guard<std::mutex> lock(trainer_->mutex());
      bool ema = info.Length() > 0 && info[0].ToBoolean();
      auto out = Napi::Object::New(info.Env());
      for (auto& [name, t] : trainer_->weights(ema)) {
        auto entry = Napi::Object::New(info.Env());
        auto shape = Napi::Array::New(info.Env(), t.dim());
        for (int64_t d = 0; d < t.dim(); ++d) shape.Set(static_cast<uint32_t>(d), Napi::Number::New(info.Env(), static_cast<double>(t.size(d))));
        entry.Set("shape", shape);
        entry.Set("data", toFloat32Array(info.Env(), t.detach()));
        out.Set(name, entry);
      }
      return out;
    });
  }

  Napi::Value SetWeights(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      std::lock_guard<std::mutex> lock(trainer_->mutex());
      auto o = info[0].As<Napi::Object>();
      std::map<std::string, torch::Tensor> w;
      auto names = o.GetPropertyNames();
      for (uint32_t i = 0; i < names.Length(); ++i) {
        auto name = names.Get(i).As<Napi::String>().Utf8Value();
        auto entry = o.Get(name).As<Napi::Object>();
        auto shapeArr = entry.Get("shape").As<Napi::Array>();
        std::vector<int64_t> shape;
        for (uint32_t d = 0; d < shapeArr.Length(); ++d) shape.push_back(shapeArr.Get(d).As<Napi::Number>().Int64Value());
        w[name] = tensorFrom(entry.Get("data"), shape, name.c_str());
      }
      trainer_->setWeights(w);
      return info.Env().Undefined();
    });
  }

  Napi::Value Device(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), trainer_->device()); }

  std::shared_ptr<Trainer> trainer_;
};

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  setThreads(static_cast<int>(info[0].As<Napi::Number>().Int32Value()));
  return info.Env().Undefined();
}
Napi::Value GetThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), getThreads()); }
Napi::Value BlasThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), blasThreads()); }
Napi::Value CudaAvailable(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), torch::cuda::is_available()); }
Napi::Value TorchVersion(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), TORCH_VERSION); }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // A training step allocates and frees the same large activation buffers every time. glibc would
  // serve each from a fresh mmap (and page-fault it in again); keeping them on the heap reuses them.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  exports.Set("Model", Model::Init(env));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads));
  exports.Set("blasThreads", Napi::Function::New(env, BlasThreads));
  exports.Set("cudaAvailable", Napi::Function::New(env, CudaAvailable));
  exports.Set("torchVersion", Napi::Function::New(env, TorchVersion));
  return exports;
}

}  // namespace
}  // namespace ssgan

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return ssgan::Init(env, exports); }
NODE_API_MODULE(ssgan_native, InitAddon)
