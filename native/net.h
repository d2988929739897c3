// A network built from a layer list (spec.h): parameters registered per named layer, forward
// interprets the list. One class serves the discriminator and the generator.
#pragma once
#include <torch/torch.h>
#include "spec.h"

namespace ssgan {

// How a forward pass treats batch norm, noise and dropout.
struct Pass {
  bool train = true;         // batch statistics, noise and dropout on
  bool updateStats = true;   // batch norm running statistics follow this batch (real data only)
  int64_t captureAt = -1;    // index of the layer whose flattened output goes to *features
  torch::Tensor* features = nullptr;
  bool dataInit = false;     // set weight-normalised layers' gain and bias from this batch
};

class NetImpl : public torch::nn::Module {
 public:
  NetImpl(std::vector<LayerSpec> layers, torch::Generator gen);
  torch::Tensor forward(torch::Tensor x, const Pass& pass);
  const std::vector<LayerSpec>& layers() const { return layers_; }

 private:
  torch::Tensor layerForward(size_t i, torch::Tensor x, const Pass& pass);
  torch::Tensor weightOf(size_t i);
  torch::Tensor linearOp(size_t i, const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b);
  void initFromData(size_t i, const torch::Tensor& x);
  std::vector<LayerSpec> layers_;
  // Per layer; undefined where a layer has no such tensor. Handles to the registered tensors
  // (loading copies into them in place), so the forward pass does no name lookups.
  struct Params { torch::Tensor weight, bias, v, g, runningMean, runningVar; };
  std::vector<Params> params_;
  torch::Generator gen_;
};
TORCH_MODULE(Net);

}  // namespace ssgan
