// The model description and training options as the addon receives them: plain structs mirroring
// src/model/layers.ts and src/native/addon.ts. TypeScript owns every default and every check and
// hands over a complete description; convert.cpp reads it strictly and turns every string into an
// enum here, once, so nothing on the training path compares strings.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ssgan {

enum class Op { Conv, Deconv, Dense, Norm, Act, Resize, ResizeTo, Reshape, Flatten, MeanHW, Affine, Noise, Dropout, ZeroLogit };
enum class Act { LeakyRelu, Relu, Tanh, Sigmoid, Softplus };
enum class NormKind { Batch, Instance };
enum class ResizeMode { Bilinear, Nearest };

struct LayerSpec {
  Op op = Op::Flatten;
  std::string name;  // parametrised layers only (their tensors are `<name>.<param>`)
  // conv | deconv | dense: channels (features for dense), kernel, stride, padding.
  int64_t inC = 0, outC = 0, k = 1, stride = 1, pad = 0, outPad = 0;
  // Weight norm (src/model/layers.ts WeightNormed): gain trained or fixed, set by a data-dependent
  // init or not. initStd > 0: weights (directions) drawn N(0, initStd), zero biases (else
  // PyTorch's default), with or without weight norm.
  bool weightNorm = false, trainGain = true, fromData = true;
  double initScale = 1, initStd = 0;
  bool glorot = false;  // without weight norm: Glorot-uniform weights and zero biases, not PyTorch's init
  // norm: channels, scale and shift or a shift alone, and PyTorch's eps and momentum.
  NormKind norm = NormKind::Batch;
  int64_t ch = 0;
  bool affine = false, shift = false;
  double eps = 0, momentum = 0;
  Act act = Act::Relu;
  double slope = 0;                      // leaky ReLU
  ResizeMode mode = ResizeMode::Bilinear;  // resize (by `scale`) | resizeTo (to h x w)
  double scale = 2;
  int64_t h = 0, w = 0;
  std::vector<int64_t> shape;  // reshape: the per-example shape
  double mul = 1, add = 0;     // affine
  double std = 0;              // noise
  double p = 0;                // dropout
};

struct ModelSpec {
  int64_t h = 0, w = 0, c = 0, k = 0, nz = 0;
  std::vector<LayerSpec> discriminator, generator;
  int64_t featureLayer = -1;
  double zLow = -1, zHigh = 1;
};

enum class Loss { Seed, ImprovedGan };
enum class GeneratorLoss { Seed, FeatureMatching, FeatureMatchingL1, NonSaturating };
inline bool matchesFeatures(GeneratorLoss l) { return l == GeneratorLoss::FeatureMatching || l == GeneratorLoss::FeatureMatchingL1; }
enum class Device { Cpu, Cuda };
// How the discriminator normalises generated batches: with their own batch statistics (the seed's),
// or with the statistics of the real batch beside them (as inference normalises with real data's).
enum class FakeNorm { Own, Real };
// The training passes' arithmetic: fp32, or bf16 matrix products and convolutions under autocast
// (weights, gradients, optimiser state, normalisation and losses stay fp32).
enum class Precision { Fp32, Bf16 };

// The recipe and optimiser settings of a run (src/native/addon.ts NativeOptions).
struct TrainOptions {
  double learningRateG = 0, learningRateD = 0, beta1 = 0, clipNorm = 0, alpha = 0, emaDecay = 0;
  uint64_t seed = 0;
  Device device = Device::Cpu;
  Loss loss = Loss::Seed;
  GeneratorLoss gLoss = GeneratorLoss::Seed;
  bool adamEpsilonInsideSqrt = false;  // the Improved-GAN code's m / sqrt(v + eps)
  bool gan = true;                     // false: supervised updates of the classifier only
  FakeNorm fakeNorm = FakeNorm::Own;
  Precision precision = Precision::Fp32;
  int64_t updateRate = 1;              // seed recipe: generator updates per discriminator update
  double reconWeight = 0;              // seed recipe: reconstruction weight, annealed to 0 ...
  int64_t reconSteps = 1;              // ... over this many steps
};

}  // namespace ssgan
