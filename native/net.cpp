#include "net.h"
#include <cmath>
#include "dist.h"

namespace ssgan {
namespace {

// Weight norm: w = g * v / ||v||, the norm per output channel. Deconv weights are [in, out, k, k],
// so their output channel is dim 1; conv and dense weights have it in dim 0.
torch::Tensor normDims(const LayerSpec& l, const torch::Tensor& v) {
  std::vector<int64_t> dims;
  int64_t outDim = l.op == Op::Deconv ? 1 : 0;
  for (int64_t d = 0; d < v.dim(); ++d)
    if (d != outDim) dims.push_back(d);
  return v.norm(2, dims, /*keepdim=*/true);
}

torch::Tensor gainShape(const LayerSpec& l, const torch::Tensor& g, int64_t dim) {
  std::vector<int64_t> shape(dim, 1);
  shape[l.op == Op::Deconv ? 1 : 0] = -1;
  return g.view(shape);
}

// A noise or dropout mask for x: drawn for x alone, or, where x is this rank's slice of a global
// batch, this rank's rows of the global batch's mask (dist.h rankRows).
template <typename Draw>
torch::Tensor rowsOf(const torch::Tensor& x, const Pass& pass, Draw draw) {
  std::vector<int64_t> shape = x.sizes().vec();
  auto part = [&](int64_t n) {
    shape[0] = n;
    if (pass.sameOnEveryRank) return draw(shape);
    return dist::rankRows(n, [&](int64_t rows) {
      shape[0] = rows;
      return draw(shape);
    });
  };
  if (pass.parts.empty()) return part(x.size(0));
  std::vector<torch::Tensor> masks;
  for (int64_t n : pass.parts) masks.push_back(part(n));
  return torch::cat(masks);
}

}  // namespace

NetImpl::NetImpl(std::vector<LayerSpec> layers, torch::Generator gen, WeightInit init) : layers_(std::move(layers)), gen_(gen) {
  torch::NoGradGuard noGrad;
  params_.resize(layers_.size());
  recorded_.resize(layers_.size());
  for (size_t i = 0; i < layers_.size(); ++i) {
    const auto& l = layers_[i];
    auto& p = params_[i];
    auto holder = std::make_shared<torch::nn::Module>();
    if (l.op == Op::Conv || l.op == Op::Deconv || l.op == Op::Dense) {
      std::vector<int64_t> shape;
      int64_t fanIn;
      if (l.op == Op::Dense) { shape = {l.outC, l.inC}; fanIn = l.inC; }
      else if (l.op == Op::Conv) { shape = {l.outC, l.inC, l.k, l.k}; fanIn = l.inC * l.k * l.k; }
      else { shape = {l.inC, l.outC, l.k, l.k}; fanIn = l.outC * l.k * l.k; }  // PyTorch's fan-in for [in, out, k, k]
      auto w = torch::empty(shape);
      auto b = torch::empty({l.outC});
      const bool random = init == WeightInit::Random;
      if (random && l.glorot) {
        // Glorot-uniform, U(-sqrt(6 / (fan_in + fan_out)), ...), and zero biases (Lasagne's default).
        const int64_t fanOut = l.op == Op::Dense ? l.outC : l.op == Op::Conv ? l.outC * l.k * l.k : l.inC * l.k * l.k;
        double bound = std::sqrt(6.0 / static_cast<double>(fanIn + fanOut));
        w.uniform_(-bound, bound, gen_);
        b.zero_();
      } else if (random) {
        // PyTorch's default initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases.
        double bound = 1.0 / std::sqrt(static_cast<double>(fanIn));
        w.uniform_(-bound, bound, gen_);
        b.uniform_(-bound, bound, gen_);
      }
      // The official code's start: weights (directions, with weight norm) N(0, initStd), zero biases.
      if (random && l.initStd > 0) {
        w = torch::empty(shape).normal_(0, l.initStd, gen_);
        b.zero_();
      }
      if (l.weightNorm) {
        auto g = !random ? torch::empty({l.outC}) : l.initStd > 0 ? torch::ones({l.outC}) : normDims(l, w).flatten();  // else w itself
        p.v = holder->register_parameter("v", w);
        // A fixed gain is a buffer: saved and exported like the parameters, never optimised.
        p.g = l.trainGain ? holder->register_parameter("g", g) : holder->register_buffer("g", g);
      } else {
        p.weight = holder->register_parameter("weight", w);
      }
      p.bias = holder->register_parameter("bias", b);
    } else if (l.op == Op::Norm) {
      if (l.affine) p.weight = holder->register_parameter("weight", torch::ones({l.ch}));
      if (l.affine || l.shift) p.bias = holder->register_parameter("bias", torch::zeros({l.ch}));
      if (l.norm == NormKind::Batch) {
        p.runningMean = holder->register_buffer("running_mean", torch::zeros({l.ch}));
        p.runningVar = holder->register_buffer("running_var", torch::ones({l.ch}));
      }
    } else {
      continue;
    }
    register_module(l.name, holder);
  }
}

torch::Tensor NetImpl::normScale(size_t i) {
  const auto& p = params_[i];
  return p.g / normDims(layers_[i], p.v).flatten();
}

torch::Tensor NetImpl::weightOf(size_t i) {
  const auto& l = layers_[i];
  const auto& p = params_[i];
  if (!l.weightNorm) return p.weight;
  return p.v * gainShape(l, normScale(i), p.v.dim());
}

torch::Tensor NetImpl::linearOp(size_t i, const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  const auto& l = layers_[i];
  if (l.op == Op::Conv) return torch::conv2d(x, w, b, l.stride, l.pad);
  if (l.op == Op::Deconv) return torch::conv_transpose2d(x, w, b, l.stride, l.pad, l.outPad);
  return torch::linear(x, w, b);
}

// Data-dependent initialisation (Salimans & Kingma 2016): with the direction v fixed, choose
// gain and bias so that this batch's pre-activations have mean 0 and std initScale per channel.
void NetImpl::initFromData(size_t i, const torch::Tensor& x) {
  const auto& l = layers_[i];
  auto& p = params_[i];
  torch::NoGradGuard noGrad;
  auto unit = p.v / normDims(l, p.v);
  auto t = linearOp(i, x, unit, torch::Tensor());
  std::vector<int64_t> dims = {0};
  for (int64_t d = 2; d < t.dim(); ++d) dims.push_back(d);
  auto mean = t.mean(dims);
  auto stdv = (t.var(dims, /*unbiased=*/false) + 1e-6).sqrt();
  p.g.copy_(l.initScale / stdv);
  p.bias.copy_(-mean * l.initScale / stdv);
}

torch::Tensor NetImpl::layerForward(size_t i, torch::Tensor x, const Pass& pass) {
  const auto& l = layers_[i];
  switch (l.op) {
    case Op::Conv:
    case Op::Deconv:
    case Op::Dense: {
      if (pass.dataInit && l.weightNorm && l.fromData) initFromData(i, x);
      const auto& p = params_[i];
      if (l.op == Op::Dense && l.weightNorm && x.size(0) < l.inC) {
        // x (g v / ||v||)^T + b as (x v^T) g / ||v|| + b: with fewer examples than inputs, scaling
        // the [N, out] product touches less memory than building the [out, in] weight (forward
        // and backward).
        return torch::addcmul(p.bias, torch::linear(x, p.v), normScale(i));
      }
      return linearOp(i, x, weightOf(i), p.bias);
    }
    case Op::Norm: {
      x = x.to(torch::kFloat);  // statistics in fp32 when the layer before ran in bf16
      const auto& p = params_[i];
      const auto &w = p.weight, &b = p.bias;
      if (l.norm == NormKind::Instance) return torch::instance_norm(x, w, b, {}, {}, true, l.momentum, l.eps, false);
      if (!pass.train) return torch::batch_norm(x, w, b, p.runningMean, p.runningVar, false, l.momentum, l.eps, false);
      if (pass.recordStats) {
        std::vector<int64_t> dims = {0};
        for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
        recorded_[i] = {x.mean(dims).detach(), x.var(dims, /*unbiased=*/false).detach()};
      }
      if (pass.recordedStats) {
        const auto& [mean, var] = recorded_[i];
        if (!mean.defined()) throw std::logic_error("layer " + l.name + ": no real batch statistics recorded yet");
        return torch::batch_norm(x, w, b, mean, var, false, l.momentum, l.eps, false);
      }
      if (pass.updateStats) return torch::batch_norm(x, w, b, p.runningMean, p.runningVar, true, l.momentum, l.eps, false);
      // Generated batches: normalise with their own statistics, leave the running ones alone.
      return torch::batch_norm(x, w, b, {}, {}, true, l.momentum, l.eps, false);
    }
    case Op::Act:
      switch (l.act) {
        case Act::LeakyRelu: return torch::leaky_relu(x, l.slope);
        case Act::Relu: return torch::relu(x);
        case Act::Tanh: return torch::tanh(x);
        case Act::Sigmoid: return torch::sigmoid(x);
        case Act::Softplus: return torch::softplus(x);
      }
      break;
    case Op::Resize: {
      std::vector<int64_t> size = {static_cast<int64_t>(x.size(2) * l.scale), static_cast<int64_t>(x.size(3) * l.scale)};
      if (l.mode == ResizeMode::Nearest) return torch::upsample_nearest2d(x, size);
      return torch::upsample_bilinear2d(x, size, /*align_corners=*/false);
    }
    case Op::ResizeTo:
      return torch::upsample_bilinear2d(x, {l.h, l.w}, /*align_corners=*/false);
    case Op::Reshape: {
      std::vector<int64_t> shape = {x.size(0)};
      shape.insert(shape.end(), l.shape.begin(), l.shape.end());
      return x.reshape(shape);
    }
    case Op::Flatten:
      return x.flatten(1);
    case Op::MeanHW:
      return x.mean({2, 3});
    case Op::Affine:
      return x * l.mul + l.add;
    case Op::Noise: {
      if (!pass.train || l.std == 0) return x;
      if (!x.device().is_cpu()) return x + torch::randn_like(x) * l.std;
      return x + rowsOf(x, pass, [&](std::vector<int64_t> shape) { return torch::randn(shape, gen_, x.options()); }) * l.std;
    }
    case Op::Dropout: {
      if (!pass.train || l.p == 0) return x;
      torch::Tensor keep;
      if (x.device().is_cpu()) keep = rowsOf(x, pass, [&](std::vector<int64_t> shape) { return torch::empty(shape, x.options()).bernoulli_(1 - l.p, gen_); });
      else keep = torch::empty_like(x).bernoulli_(1 - l.p);
      return x * keep / (1 - l.p);
    }
    case Op::ZeroLogit:
      return torch::cat({x, torch::zeros({x.size(0), 1}, x.options())}, 1);
  }
  throw std::logic_error("layer " + std::to_string(i) + ": unhandled op");
}

torch::Tensor NetImpl::forward(torch::Tensor x, const Pass& pass) {
  for (size_t i = 0; i < layers_.size(); ++i) {
    x = layerForward(i, x, pass);
    if (static_cast<int64_t>(i) == pass.captureAt && pass.features) *pass.features = x.flatten(1);
  }
  return x;
}

}  // namespace ssgan
