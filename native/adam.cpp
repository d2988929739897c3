#include "adam.h"
#include <ATen/Parallel.h>
#include <cmath>

namespace ssgan {

Adam::Adam(std::vector<torch::Tensor> params, double lr, double beta1, bool epsInsideSqrt, double beta2, double eps)
    : params_(std::move(params)), lr_(lr), beta1_(beta1), beta2_(beta2), eps_(eps), epsInsideSqrt_(epsInsideSqrt) {
  for (auto& p : params_) {
    m_.push_back(torch::zeros_like(p));
    v_.push_back(torch::zeros_like(p));
  }
}

void Adam::zeroGrad() {
  for (auto& p : params_) p.mutable_grad().reset();
}

void Adam::step() {
  torch::NoGradGuard noGrad;
  ++steps_;
  const double bc1 = 1 - std::pow(beta1_, static_cast<double>(steps_));
  const double bc2 = 1 - std::pow(beta2_, static_cast<double>(steps_));
  const float b1 = beta1_, b2 = beta2_, stepSize = lr_ / bc1, rootBc2 = std::sqrt(bc2), eps = eps_, fbc2 = bc2;
  const bool inside = epsInsideSqrt_;
  for (size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i];
    const auto& g = p.grad();
    if (!g.defined()) continue;
    if (!p.is_cpu() || !p.is_contiguous() || !g.is_contiguous() || p.scalar_type() != torch::kFloat) {
      // Devices other than the CPU: the same arithmetic with tensor ops.
      m_[i].mul_(b1).add_(g, 1 - b1);
      v_[i].mul_(b2).addcmul_(g, g, 1 - b2);
      p.addcdiv_(m_[i], inside ? v_[i].div(fbc2).add_(eps).sqrt_() : v_[i].sqrt().div_(rootBc2).add_(eps), -stepSize);
      continue;
    }
    float* pp = p.data_ptr<float>();
    const float* gp = g.data_ptr<float>();
    float* mp = m_[i].data_ptr<float>();
    float* vp = v_[i].data_ptr<float>();
    at::parallel_for(0, p.numel(), 1 << 14, [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        const float gj = gp[j];
        const float m = mp[j] = b1 * mp[j] + (1 - b1) * gj;
        const float v = vp[j] = b2 * vp[j] + (1 - b2) * gj * gj;
        pp[j] -= stepSize * m / (inside ? std::sqrt(v / fbc2 + eps) : std::sqrt(v) / rootBc2 + eps);
      }
    });
  }
}

void Adam::save(torch::serialize::OutputArchive& archive) const {
  archive.write("steps", torch::tensor(steps_));
  for (size_t i = 0; i < params_.size(); ++i) {
    archive.write("m." + std::to_string(i), m_[i].to(torch::kCPU));
    archive.write("v." + std::to_string(i), v_[i].to(torch::kCPU));
  }
}

void Adam::load(torch::serialize::InputArchive& archive) {
  torch::NoGradGuard noGrad;
  torch::Tensor steps;
  archive.read("steps", steps);
  steps_ = steps.item<int64_t>();
  for (size_t i = 0; i < params_.size(); ++i) {
    torch::Tensor m, v;
    archive.read("m." + std::to_string(i), m);
    archive.read("v." + std::to_string(i), v);
    m_[i].copy_(m);
    v_[i].copy_(v);
  }
}

}  // namespace ssgan
