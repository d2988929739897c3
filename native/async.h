// Runs addon work on libuv's pool and settles a Promise on the JS thread. C++ exceptions become
// rejected Promises (or, in guarded synchronous code, thrown JS errors) carrying their message.
#pragma once
#include <napi.h>
#include <torch/torch.h>
#include <functional>

namespace ssgan {

inline std::string errorText(const std::exception& e) {
  if (auto* te = dynamic_cast<const c10::Error*>(&e)) return te->what_without_backtrace();
  return e.what();
}

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
Napi::Promise runAsync(Napi::Env env, std::function<R()> task, std::function<Napi::Value(Napi::Env, R&)> convert) {
  auto* w = new TaskWorker<R>(env, std::move(task), std::move(convert));
  auto p = w->Promise();
  w->Queue();
  return p;
}

// Runs a synchronous body (argument conversion, cheap calls) so C++ exceptions surface as JS errors.
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

}  // namespace ssgan
