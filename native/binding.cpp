// Node-API surface of the addon: the Model class and a few process-wide functions. Each method
// converts its arguments on the JS thread (convert.h), runs the Trainer call on libuv's pool with
// the trainer locked (async.h), and converts the result back.
#include <malloc.h>
#include <napi.h>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include "async.h"
#include "convert.h"
#include "dist.h"
#include "large-pages.h"
#include "threads.h"
#include "trainer.h"

namespace ssgan {
namespace {

Napi::Value undefinedOf(Napi::Env env, bool&) { return env.Undefined(); }
Napi::Value lossesOf(Napi::Env env, Losses& l) { return toJs(env, l); }
Napi::Value arrayOf(Napi::Env env, torch::Tensor& t) { return toFloat32Array(env, t); }
Napi::Value weightsOf(Napi::Env env, std::vector<std::pair<std::string, torch::Tensor>>& w) { return toJs(env, w); }

class Model : public Napi::ObjectWrap<Model> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Model", {
      InstanceMethod("plan", &Model::Plan),
      InstanceMethod("step", &Model::Step),
      InstanceMethod("evaluate", &Model::Evaluate),
      InstanceMethod("classify", &Model::Classify),
      InstanceMethod("generate", &Model::Generate),
      InstanceMethod("initFromData", &Model::InitFromData),
      InstanceMethod("broadcastWeights", &Model::BroadcastWeights),
      InstanceMethod("setLearningRates", &Model::SetLearningRates),
      InstanceMethod("save", &Model::Save),
      InstanceMethod("load", &Model::Load),
      InstanceMethod("weights", &Model::Weights),
      InstanceMethod("setWeights", &Model::SetWeights),
      InstanceAccessor("device", &Model::Device, nullptr),
    });
  }

  // new Model(description, options): a model to train; new Model(description, options, weights):
  // one for inference, every network tensor from `weights` (Trainer's two constructors).
  Model(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Model>(info) {
    guarded(info.Env(), [&] {
      if (info[2].IsUndefined()) {
        trainer_ = std::make_shared<Trainer>(toSpec(info[0]), toOptions(info[1]));
      } else {
        trainer_ = std::make_shared<Trainer>(toSpec(info[0]), toOptions(info[1]), toWeights(info[2], /*borrow=*/true));  // copied in
      }
      return info.Env().Undefined();
    });
  }

 private:
  // Converts the arguments here (`prepare` returns the task), runs the task on the pool with the
  // trainer locked, and turns its result into a JS value with `convert`. Bad arguments reject the
  // Promise too, so every method fails the same way.
  template <typename R, typename Prepare>
  Napi::Value locked(const Napi::CallbackInfo& info, Prepare prepare, Napi::Value (*convert)(Napi::Env, R&)) {
    std::function<R(Trainer&)> task;
    try {
      task = prepare();
    } catch (const std::exception& e) {
      auto rejected = Napi::Promise::Deferred::New(info.Env());
      rejected.Reject(Napi::Error::New(info.Env(), errorText(e)).Value());
      return rejected.Promise();
    }
    auto t = trainer_;  // keeps the trainer alive until the task has run
    return runAsync<R>(info.Env(), [t, task] {
      std::lock_guard<std::mutex> lock(t->mutex());
      return task(*t);
    }, convert);
  }
  const ModelSpec& spec() const { return trainer_->spec(); }
  int64_t count(const Napi::Value& v) const { return v.As<Napi::Number>().Int64Value(); }

  // The recipe's plan is fixed at construction: answered synchronously, no lock needed.
  Napi::Value Plan(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value { return toJs(info.Env(), trainer_->plan(count(info[0]))); });
  }
  Napi::Value Step(const Napi::CallbackInfo& info) {
    return locked<Losses>(info, [&] { auto s = count(info[0]); auto b = toStepBatches(info[1], spec()); return [s, b](Trainer& t) { return t.step(s, b); }; }, lossesOf);
  }
  Napi::Value Evaluate(const Napi::CallbackInfo& info) {
    return locked<Losses>(info, [&] { auto [x, y] = toBatch(info[0], spec(), "batch"); return [x, y](Trainer& t) { return t.evaluate(x, y); }; }, lossesOf);
  }
  Napi::Value Classify(const Napi::CallbackInfo& info) {
    return locked<torch::Tensor>(info, [&] { auto x = toTensor(info[0], {count(info[1]), spec().h, spec().w, spec().c}, "images"); bool ema = info[2].ToBoolean(); return [x, ema](Trainer& t) { return t.classify(x, ema); }; }, arrayOf);
  }
  Napi::Value Generate(const Napi::CallbackInfo& info) {
    return locked<torch::Tensor>(info, [&] { auto z = toTensor(info[0], {count(info[1]), spec().nz}, "z"); return [z](Trainer& t) { return t.generate(z); }; }, arrayOf);
  }
  Napi::Value InitFromData(const Napi::CallbackInfo& info) {
    return locked<bool>(info, [&] { auto x = toBatch(info[0], spec(), "batch").first; return [x](Trainer& t) { t.initFromData(x); return true; }; }, undefinedOf);
  }
  Napi::Value BroadcastWeights(const Napi::CallbackInfo& info) {
    return locked<bool>(info, [&] { return [](Trainer& t) { t.broadcastWeights(); return true; }; }, undefinedOf);
  }
  Napi::Value SetLearningRates(const Napi::CallbackInfo& info) {
    return locked<bool>(info, [&] { double g = info[0].ToNumber(), d = info[1].ToNumber(); return [g, d](Trainer& t) { t.setLearningRates(g, d); return true; }; }, undefinedOf);
  }
  Napi::Value Save(const Napi::CallbackInfo& info) {
    return locked<bool>(info, [&] { auto f = info[0].ToString().Utf8Value(); return [f](Trainer& t) { t.save(f); return true; }; }, undefinedOf);
  }
  Napi::Value Load(const Napi::CallbackInfo& info) {
    return locked<bool>(info, [&] { auto f = info[0].ToString().Utf8Value(); return [f](Trainer& t) { t.load(f); return true; }; }, undefinedOf);
  }
  Napi::Value Weights(const Napi::CallbackInfo& info) {
    using Named = std::vector<std::pair<std::string, torch::Tensor>>;
    return locked<Named>(info, [&] { bool ema = info[0].ToBoolean(); return [ema](Trainer& t) {
      auto w = t.weights(ema);
      for (auto& named : w) named.second = named.second.detach().clone();  // read after the lock is released
      return w;
    }; }, weightsOf);
  }
  Napi::Value SetWeights(const Napi::CallbackInfo& info) {
    return locked<bool>(info, [&] { auto w = toWeights(info[0]); return [w](Trainer& t) { t.setWeights(w); return true; }; }, undefinedOf);
  }
  Napi::Value Device(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), trainer_->device()); }

  std::shared_ptr<Trainer> trainer_;
};

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  setThreads(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}
Napi::Value GetThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), getThreads()); }
Napi::Value BlasThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), blasThreads()); }
Napi::Value CudaAvailable(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), torch::cuda::is_available()); }
Napi::Value TorchVersion(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), TORCH_VERSION); }

// exitNow(code): ends the process without running static destructors: libtorch and the ~290
// libraries it loads spend 0.1-0.2 s at exit tearing down what the OS reclaims anyway.
Napi::Value ExitNow(const Napi::CallbackInfo& info) {
  const int code = info[0].As<Napi::Number>().Int32Value();
  std::fflush(nullptr);
  std::_Exit(code);
}

// joinProcessGroup(options): Promise, settled once every rank has joined (or the timeout passed).
Napi::Value JoinProcessGroup(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    auto g = toGroupOptions(info[0]);
    return runAsync<bool>(info.Env(), [g] { dist::join(g); return true; }, undefinedOf);
  });
}
// anyRank(flag): Promise<boolean>, true on every rank when flag is true on any.
Napi::Value AnyRank(const Napi::CallbackInfo& info) {
  bool flag = info[0].ToBoolean();
  return runAsync<bool>(info.Env(), [flag] { return dist::any(flag); }, [](Napi::Env env, bool& r) -> Napi::Value { return Napi::Boolean::New(env, r); });
}
// gradientAveragingSeconds(): wall seconds this process has spent averaging gradients across ranks.
Napi::Value GradientAveragingSeconds(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), dist::gradientAveragingSeconds()); }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // A training step allocates and frees the same activation buffers every time: large ones are
  // kept mapped for reuse (large-pages.h), and glibc keeps the others on its heap instead of serving
  // each from a fresh mmap (and page-faulting it in again).
  useLargePages();
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  exports.Set("Model", Model::Init(env));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads));
  exports.Set("blasThreads", Napi::Function::New(env, BlasThreads));
  exports.Set("cudaAvailable", Napi::Function::New(env, CudaAvailable));
  exports.Set("torchVersion", Napi::Function::New(env, TorchVersion));
  exports.Set("exitNow", Napi::Function::New(env, ExitNow));
  exports.Set("joinProcessGroup", Napi::Function::New(env, JoinProcessGroup));
  exports.Set("anyRank", Napi::Function::New(env, AnyRank));
  exports.Set("gradientAveragingSeconds", Napi::Function::New(env, GradientAveragingSeconds));
  return exports;
}

}  // namespace
}  // namespace ssgan

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return ssgan::Init(env, exports); }
NODE_API_MODULE(ssgan_native, InitAddon)
