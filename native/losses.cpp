#include "losses.h"

namespace ssgan::losses {
namespace F = torch::nn::functional;

namespace {
torch::Tensor realLogits(const torch::Tensor& logits) { return logits.narrow(1, 0, logits.size(1) - 1); }
}  // namespace

torch::Tensor softCrossEntropy(const torch::Tensor& logits, const torch::Tensor& target) {
  return -(target * torch::log_softmax(logits, 1)).sum(1);
}

torch::Tensor realTarget(const torch::Tensor& labels, int64_t k) {
  auto oneHot = F::one_hot(labels, k + 1).to(torch::kFloat);
  return oneHot;  // the fake column is 0 since labels < k
}

torch::Tensor fakeTarget(int64_t n, int64_t k, double alpha, const torch::TensorOptions& opts) {
  auto t = torch::full({n, k + 1}, (1 - alpha) / k, opts);
  t.select(1, k).fill_(alpha);
  return t;
}

torch::Tensor logRealProb(const torch::Tensor& logits) {
  return torch::logsumexp(realLogits(logits), 1) - torch::logsumexp(logits, 1);
}

torch::Tensor logFakeProb(const torch::Tensor& logits) {
  return logits.select(1, logits.size(1) - 1) - torch::logsumexp(logits, 1);
}

torch::Tensor seedGeneratorLoss(const torch::Tensor& fakeLogits) {
  return F::logsigmoid(fakeLogits.select(1, fakeLogits.size(1) - 1)).mean();
}

torch::Tensor nonSaturatingGeneratorLoss(const torch::Tensor& fakeLogits) { return -logRealProb(fakeLogits).mean(); }

torch::Tensor supervisedLoss(const torch::Tensor& logits, const torch::Tensor& labels) {
  return F::cross_entropy(realLogits(logits), labels);
}

torch::Tensor unsupervisedLoss(const torch::Tensor& unlabeledLogits, const torch::Tensor& fakeLogits) {
  return -0.5 * logRealProb(unlabeledLogits).mean() - 0.5 * logFakeProb(fakeLogits).mean();
}

torch::Tensor featureMatching(const torch::Tensor& realFeatures, const torch::Tensor& fakeFeatures, bool l1) {
  auto d = realFeatures.detach().mean(0) - fakeFeatures.mean(0);
  return (l1 ? d.abs() : d.pow(2)).mean();
}

torch::Tensor sLoss(const torch::Tensor& logits, const torch::Tensor& labels) {
  auto k = logits.size(1) - 1;
  auto oneHot = F::one_hot(labels, k).to(torch::kFloat);
  return F::huber_loss(torch::sigmoid(realLogits(logits)), oneHot);
}

double accuracy(const torch::Tensor& logits, const torch::Tensor& labels) {
  return realLogits(logits).argmax(1).eq(labels).to(torch::kFloat).mean().item<double>();
}

}  // namespace ssgan::losses
