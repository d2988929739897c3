// Conversions between JavaScript values and the addon's C++ types. The description and options
// come complete from TypeScript (src/native/addon.ts): a missing or mistyped key is an error
// naming it, never a silent default, and every string becomes an enum here.
#pragma once
#include <napi.h>
#include <torch/torch.h>
#include "dist.h"
#include "spec.h"
#include "trainer.h"

namespace ssgan {

ModelSpec toSpec(const Napi::Value& description);
TrainOptions toOptions(const Napi::Value& options);
// {rank, world, masterAddr, masterPort, timeoutMs, backend, agentStorePrefix ('' for none)}.
dist::GroupOptions toGroupOptions(const Napi::Value& options);

// A copy of a Uint8Array, Int32Array or Float32Array as a tensor of `shape` (checked against its length).
// `borrow`: a view of the JS memory instead, for a caller that is done with it before returning to JS.
torch::Tensor toTensor(const Napi::Value& v, const std::vector<int64_t>& shape, const std::string& what, bool borrow = false);
// {images: NHWC pixels, labels: Int32Array, n} -> images [n, H, W, C] and labels [n].
std::pair<torch::Tensor, torch::Tensor> toBatch(const Napi::Value& v, const ModelSpec& spec, const std::string& what);
// {labeled?, unlabeled?, generatorReal?} batches of one training step.
StepBatches toStepBatches(const Napi::Value& v, const ModelSpec& spec);
// A {name: {shape, data}} object of weights (`borrow` as toTensor).
std::map<std::string, torch::Tensor> toWeights(const Napi::Value& v, bool borrow = false);

Napi::Float32Array toFloat32Array(Napi::Env env, const torch::Tensor& t);
Napi::Object toJs(Napi::Env env, const Losses& losses);
Napi::Object toJs(Napi::Env env, const StepPlan& plan);
Napi::Object toJs(Napi::Env env, const std::vector<std::pair<std::string, torch::Tensor>>& weights);

}  // namespace ssgan
