// Adam (beta1, beta2, eps as in PyTorch) updating each parameter in one fused, multi-threaded pass.
// `epsInsideSqrt` is the official Improved-GAN (Theano) code's variant, m / sqrt(v + eps): with
// eps 1e-8 it damps parameters whose gradients are below ~1e-4 (weight-norm directions late on).
// libtorch 1.13's Adam makes eight passes over every parameter per step and spent ~100 ms of a
// ~250 ms generator step here; this one reads and writes each value once.
#pragma once
#include <torch/torch.h>
#include <vector>

namespace ssgan {

class Adam {
 public:
  Adam(std::vector<torch::Tensor> params, double lr, double beta1, bool epsInsideSqrt = false, double beta2 = 0.999,
       double eps = 1e-8);
  void zeroGrad();  // drops the gradients (the next backward allocates them afresh)
  void step();
  void setLearningRate(double lr) { lr_ = lr; }
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  std::vector<torch::Tensor> params_, m_, v_;
  int64_t steps_ = 0;
  double lr_, beta1_, beta2_, eps_;
  bool epsInsideSqrt_;
};

}  // namespace ssgan
