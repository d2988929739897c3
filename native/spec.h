// The model description as the addon receives it: plain structs mirroring src/model/layers.ts.
// binding.cpp fills them from JS objects; nothing here knows about Node.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ssgan {

struct LayerSpec {
  std::string op;    // conv | deconv | dense | norm | act | resize | resizeTo | reshape | flatten
                     // | meanHW | affine | noise | dropout | zeroLogit
  std::string name;  // parametrised layers only
  std::string fn;    // act: lrelu | relu | tanh | sigmoid | softplus
  std::string kind;  // norm: batch | instance
  std::string mode;  // resize: bilinear | nearest
  int64_t inC = 0, outC = 0, k = 0, stride = 1, pad = 0, outPad = 0;
  int64_t h = 0, w = 0;
  bool weightNorm = false, affine = false, shift = false;  // norm: scale and shift, or a shift alone
  // Weight norm (src/model/layers.ts WeightNormed): gain trained or fixed, set by a data-dependent
  // init or not, directions drawn N(0, initStd) when initStd > 0 (else PyTorch's default).
  bool trainGain = true, fromData = true;
  double slope = 0.2, scale = 2, mul = 1, add = 0, std = 0, p = 0, initScale = 1, initStd = 0;
  double eps = 0, momentum = 0;  // norm: given by the description, never defaulted here
  std::vector<int64_t> shape;
};

struct ModelSpec {
  int64_t h = 0, w = 0, c = 0, k = 0, nz = 0;
  std::vector<LayerSpec> discriminator, generator;
  int64_t featureLayer = -1;
  double zLow = -1, zHigh = 1;
};

struct TrainOptions {
  double lrG = 1e-4, lrD = 1e-4, beta1 = 0.5, clipNorm = 20, alpha = 0.9, emaDecay = 0;
  uint64_t seed = 0;
  std::string device = "cpu";
  std::string loss = "seed";    // seed | improved-gan
  std::string gLoss = "seed";   // seed | feature-matching
  std::string adamEpsilon = "pytorch";  // pytorch: m / (sqrt(v) + eps) | official: m / sqrt(v + eps)
};

}  // namespace ssgan
