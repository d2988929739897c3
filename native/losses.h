// The losses of the seed (SSGAN-Tensorflow) and of Improved-GAN (Salimans et al. 2016), written
// over [N, K + 1] logits whose last column is the "generated" class (a constant 0 for Improved-GAN).
#pragma once
#include <torch/torch.h>

namespace ssgan::losses {

// Soft-target softmax cross-entropy, per example: -sum(target * log_softmax(logits)).
torch::Tensor softCrossEntropy(const torch::Tensor& logits, const torch::Tensor& target);

// Seed targets: [one-hot, 0] for real, (1 - alpha) / K per real class and alpha for fake.
torch::Tensor realTarget(const torch::Tensor& labels, int64_t k);
torch::Tensor fakeTarget(int64_t n, int64_t k, double alpha, const torch::TensorOptions& opts);

// log D(x): log of the probability of "real" (any of the K classes), stable for any logits.
torch::Tensor logRealProb(const torch::Tensor& logits);
// log(1 - D(x)): log of the probability of "generated".
torch::Tensor logFakeProb(const torch::Tensor& logits);

// Seed generator adversarial term: mean(log(sigmoid(fake-class logit))).
torch::Tensor seedGeneratorLoss(const torch::Tensor& fakeLogits);

// Non-saturating generator loss on the K + 1 softmax: -mean(log D(G(z))), D(x) = 1 - p(generated | x).
torch::Tensor nonSaturatingGeneratorLoss(const torch::Tensor& fakeLogits);

// Improved-GAN supervised cross-entropy over the K real classes.
torch::Tensor supervisedLoss(const torch::Tensor& logits, const torch::Tensor& labels);
// Improved-GAN unsupervised loss: -E log D(x) - E log(1 - D(G(z))), halved as the paper's code did.
torch::Tensor unsupervisedLoss(const torch::Tensor& unlabeledLogits, const torch::Tensor& fakeLogits);

// Feature matching: the mean squared (l1: absolute) difference between the batch means of real and
// generated features (the official MNIST code squared it, its CIFAR-10 and SVHN code took |.|).
torch::Tensor featureMatching(const torch::Tensor& realFeatures, const torch::Tensor& fakeFeatures, bool l1);

// s_loss, reported only: mean Huber(one-hot, sigmoid(logits)[:, :K]).
torch::Tensor sLoss(const torch::Tensor& logits, const torch::Tensor& labels);
// Fraction of argmax over the K real-class logits equal to the label.
double accuracy(const torch::Tensor& logits, const torch::Tensor& labels);

}  // namespace ssgan::losses
