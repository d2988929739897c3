// A network built from a layer list (spec.h): parameters registered per named layer, forward
// interprets the list. One class serves the discriminator and the generator.
#pragma once
#include <torch/torch.h>
#include "spec.h"

namespace ssgan {

// How a forward pass treats batch norm, noise and dropout; built by name: Pass::real().
struct Pass {
  bool train = true;         // batch statistics, noise and dropout on
  bool updateStats = true;   // batch norm running statistics follow this batch (real data only)
  int64_t captureAt = -1;    // index of the layer whose flattened output goes to *features
  torch::Tensor* features = nullptr;
  bool dataInit = false;     // set weight-normalised layers' gain and bias from this batch
  bool recordStats = false;  // keep this batch's batch-norm statistics (see generatedWithRealStats)
  bool recordedStats = false;  // normalise with the statistics kept by the last recording pass
  // Every rank of a process group sees this same batch (else its slice of the global batch, and
  // noise and dropout draw its rows of the global batch's masks: dist.h rankRows).
  bool sameOnEveryRank = false;
  // Row counts of the batches this one joins: noise and dropout are drawn part by part, as separate
  // passes over each would draw them (empty: one batch).
  std::vector<int64_t> parts;

  // Training on real images: batch statistics, and the running ones follow them.
  static Pass real() { return {}; }
  // Training on generated images: their own batch statistics, the running ones left alone.
  static Pass generated() { return {true, false}; }
  // Training on generated images normalised with the statistics of the last recorded real batch,
  // as inference normalises every image with real data's statistics.
  static Pass generatedWithRealStats() { Pass p{true, false}; p.recordedStats = true; return p; }
  // Inference: running statistics, no noise or dropout.
  static Pass inference() { return {false, false}; }
  // The weight-normalised layers' data-dependent initialisation from this (real) batch.
  static Pass initialisation() { Pass p{true, true, -1, nullptr, true}; p.sameOnEveryRank = true; return p; }
  // This pass, also keeping its batch-norm statistics for a later generatedWithRealStats() pass.
  Pass recording() const {
    Pass p = *this;
    p.recordStats = true;
    return p;
  }
  // This pass over `sizes` batches joined along the batch dimension.
  Pass joining(std::vector<int64_t> sizes) const {
    Pass p = *this;
    p.parts = std::move(sizes);
    return p;
  }
  // This pass, also copying layer `layer`'s flattened output to *out.
  Pass capturing(int64_t layer, torch::Tensor* out) const {
    Pass p = *this;
    p.captureAt = layer;
    p.features = out;
    return p;
  }
};

// Random: PyTorch's (or the official code's) initialisation, drawn from `gen`. Uninitialised: every
// tensor allocated and left as it is, for a caller that fills them all (a model built from weights).
enum class WeightInit { Random, Uninitialised };

class NetImpl : public torch::nn::Module {
 public:
  NetImpl(std::vector<LayerSpec> layers, torch::Generator gen, WeightInit init = WeightInit::Random);
  torch::Tensor forward(torch::Tensor x, const Pass& pass);
  const std::vector<LayerSpec>& layers() const { return layers_; }

 private:
  torch::Tensor layerForward(size_t i, torch::Tensor x, const Pass& pass);
  // Weight norm's factor per output channel, g / ||v||; the weight is v times it.
  torch::Tensor normScale(size_t i);
  torch::Tensor weightOf(size_t i);
  torch::Tensor linearOp(size_t i, const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b);
  void initFromData(size_t i, const torch::Tensor& x);
  std::vector<LayerSpec> layers_;
  // Per layer; undefined where a layer has no such tensor. Handles to the registered tensors
  // (loading copies into them in place), so the forward pass does no name lookups.
  struct Params { torch::Tensor weight, bias, v, g, runningMean, runningVar; };
  std::vector<Params> params_;
  // Per batch-norm layer: mean and (biased) variance of the last recording pass, detached.
  std::vector<std::pair<torch::Tensor, torch::Tensor>> recorded_;
  torch::Generator gen_;
};
TORCH_MODULE(Net);

}  // namespace ssgan
