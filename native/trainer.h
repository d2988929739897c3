// The SSGAN: a discriminator/classifier and a generator built from one ModelSpec, their Adam
// optimisers, the training steps, evaluation, and checkpoints. Knows nothing about Node.
#pragma once
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <torch/torch.h>
#include "adam.h"
#include "net.h"
#include "spec.h"

namespace ssgan {

using Losses = std::map<std::string, double>;

// A batch on the model's device: images [N, C, H, W] in [-1, 1], labels int64 [N] (-1: unlabeled).
struct DeviceBatch { torch::Tensor images, labels; };

class Trainer {
 public:
  Trainer(ModelSpec spec, TrainOptions opts);

  Losses trainDiscriminator(const torch::Tensor& images, const torch::Tensor& labels,
                            const std::optional<torch::Tensor>& unlabeled);
  Losses trainGenerator(const torch::Tensor& images, const torch::Tensor& labels, double reconWeight);
  Losses evaluate(const torch::Tensor& images, const torch::Tensor& labels);
  // Eval-mode logits [N, K + 1]; images NHWC raw pixels (any dtype).
  torch::Tensor classify(const torch::Tensor& images, bool ema);
  // Eval-mode generator: z [N, n_z] -> NHWC in [-1, 1] (CPU).
  torch::Tensor generate(const torch::Tensor& z);
  torch::Tensor sampleZ(int64_t n);
  // Data-dependent initialisation of weight-normalised layers: D from real images, G from noise.
  void initFromData(const torch::Tensor& images);
  void setLearningRates(double lrG, double lrD);

  void save(const std::string& file);
  // weightsOnly: networks (and moving average) only, for inference; else also optimisers and RNG.
  void load(const std::string& file, bool weightsOnly = false);
  // All parameters and buffers by name ("D.conv1.weight"); with ema, D's averaged copy.
  std::vector<std::pair<std::string, torch::Tensor>> weights(bool ema);
  void setWeights(const std::map<std::string, torch::Tensor>& w);

  const ModelSpec& spec() const { return spec_; }
  std::string device() const { return device_.str(); }
  std::mutex& mutex() { return mutex_; }

 private:
  torch::Tensor toModelInput(const torch::Tensor& nhwc) const;
  torch::Tensor fakeBatch(int64_t n);
  void updateEma();
  std::vector<std::pair<std::string, torch::Tensor>> state();

  ModelSpec spec_;
  TrainOptions opts_;
  torch::Device device_;
  torch::Generator gen_;
  Net d_, g_, dEma_;
  std::unique_ptr<Adam> optD_, optG_;
  int64_t emaUpdates_ = 0;
  std::mutex mutex_;
};

}  // namespace ssgan
