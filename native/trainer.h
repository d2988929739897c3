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
using NamedTensors = std::map<std::string, torch::Tensor>;

// Which batches step `s` of the recipe reads (the caller draws exactly these, in this order).
struct StepPlan {
  bool labeled = false;        // labeled images and their labels (the discriminator's)
  bool unlabeled = false;      // unlabeled images for the discriminator, when the run has them
  bool generatorReal = false;  // real images for the generator's loss (reconstruction, feature matching)
};

// A step's batches: NHWC raw pixels (any dtype), labels [N]; absent where the plan did not ask.
struct StepBatches {
  std::optional<torch::Tensor> labeledImages, labels, unlabeled, generatorReal;
};

class Trainer {
 public:
  // A model to train: networks initialised from opts.seed, both optimisers.
  Trainer(ModelSpec spec, TrainOptions opts);
  // A model for inference: every network tensor from `weights`, by the names save() gives them
  // (D.*, G.*, and D_ema.* when the moving average is kept); nothing is drawn at random and there
  // are no optimisers, so stepping, saving and loading a full state refuse. Extra names are ignored.
  Trainer(ModelSpec spec, TrainOptions opts, const NamedTensors& weights);

  // The recipe (src/train/trainer.ts draws the batches, this decides what to do with them):
  //  - seed loss: step s updates the generator when s % (updateRate + 1) > 0, else the discriminator;
  //  - improved-gan: every step one discriminator update, then one generator update;
  //  - no GAN: every step one supervised update of the classifier.
  StepPlan plan(int64_t step) const;
  // Runs step `step` of the recipe. A non-finite loss or gradient norm throws before any weight
  // changes, naming the step and the loss.
  // In a process group (dist.h) each rank passes its slice of the global batches; gradients are
  // averaged across ranks before clipping and Adam, and the losses returned are the ranks' mean.
  Losses step(int64_t step, const StepBatches& batches);
  Losses evaluate(const torch::Tensor& images, const torch::Tensor& labels);
  // Eval-mode logits [N, K + 1]; images NHWC raw pixels 0..255 (any dtype).
  torch::Tensor classify(const torch::Tensor& images, bool ema);
  // Eval-mode generator: z [N, n_z] -> NHWC pixels 0..255 (float, CPU), as generator.onnx.
  torch::Tensor generate(const torch::Tensor& z);
  // Data-dependent initialisation of weight-normalised layers: D from real images, G from noise.
  void initFromData(const torch::Tensor& images);
  // In a process group (dist.h): every parameter and buffer (moving average included) from rank 0.
  void broadcastWeights();
  void setLearningRates(double lrG, double lrD);

  void save(const std::string& file);
  // Networks (and moving average), optimisers and RNG, as save() wrote them.
  void load(const std::string& file);
  // Copies of all parameters and buffers by name ("D.conv1.weight"); with ema, D's averaged copy.
  std::vector<std::pair<std::string, torch::Tensor>> weights(bool ema);
  void setWeights(const NamedTensors& w);

  const ModelSpec& spec() const { return spec_; }
  std::string device() const { return device_.str(); }
  std::mutex& mutex() { return mutex_; }

 private:
  // The networks alone (and the moving average's copy when kept), initialised as `init` says.
  Trainer(ModelSpec spec, TrainOptions opts, WeightInit init);
  // Throws for `what` on a model built from weights (it has no optimisers).
  void requireOptimisers(const char* what) const;
  torch::Tensor toModelInput(const torch::Tensor& nhwc) const;
  // n rows of noise: this rank's rows of the global batch's (dist.h rankRows), or, with
  // sameOnEveryRank, n rows drawn alike on every rank.
  torch::Tensor sampleZ(int64_t n, bool sameOnEveryRank = false);
  // A training forward pass in the run's precision; its output (and captured features) in fp32.
  torch::Tensor trainingForward(Net& net, const torch::Tensor& x, const Pass& pass);
  torch::Tensor fakeBatch(int64_t n);
  Losses discriminatorStep(int64_t step, const StepBatches& b);
  Losses generatorStep(int64_t step, const torch::Tensor& realImages);
  /** The generator's loss from the discriminator's logits on its batch (seed or non-saturating). */
  torch::Tensor logitGeneratorLoss(const torch::Tensor& fakeLogits) const;
  double reconWeightAt(int64_t step) const;
  void updateEma();
  std::vector<std::pair<std::string, torch::Tensor>> state();

  ModelSpec spec_;
  TrainOptions opts_;
  torch::Device device_;
  torch::Generator gen_;
  Net d_, g_, dEma_;
  std::unique_ptr<Adam> optD_, optG_;
  int64_t emaUpdates_ = 0;
  // No batch norm in the discriminator: its outputs for one example do not depend on the others,
  // so batches that one update sees can share a forward pass.
  bool joinablePasses_ = true;
  std::mutex mutex_;
};

}  // namespace ssgan
