#include "trainer.h"
#include <ATen/CPUGeneratorImpl.h>
#include <torch/serialize.h>
#include "losses.h"

namespace ssgan {
namespace {

torch::Device pickDevice(const std::string& name) {
  if (name == "cuda") {
    if (!torch::cuda::is_available())
      throw std::runtime_error("--device cuda: CUDA is not available (this libtorch is a CPU build or no GPU is visible); use --device cpu, or build against a CUDA libtorch with LIBTORCH=/path/to/libtorch");
    return torch::Device(torch::kCUDA);
  }
  if (name != "cpu") throw std::runtime_error("--device must be cpu, cuda or auto, not '" + name + "'");
  return torch::Device(torch::kCPU);
}

// Buffers (running statistics) of `src` into the same-shaped `dst`.
void copyBuffers(torch::nn::Module& src, torch::nn::Module& dst) {
  torch::NoGradGuard noGrad;
  auto b = dst.named_buffers();
  for (auto& t : src.named_buffers()) b[t.key()].copy_(t.value());
}

// Parameters and buffers of `src` into the same-shaped `dst`.
void copyWeights(torch::nn::Module& src, torch::nn::Module& dst) {
  torch::NoGradGuard noGrad;
  auto p = dst.named_parameters();
  for (auto& t : src.named_parameters()) p[t.key()].copy_(t.value());
  copyBuffers(src, dst);
}

void clip(torch::nn::Module& net, double maxNorm) {
  if (maxNorm > 0) torch::nn::utils::clip_grad_norm_(net.parameters(), maxNorm);
}

}  // namespace

Trainer::Trainer(ModelSpec spec, TrainOptions opts)
    : spec_(std::move(spec)),
      opts_(std::move(opts)),
      device_(pickDevice(opts_.device)),
      gen_(at::make_generator<at::CPUGeneratorImpl>(opts_.seed)),
      d_(nullptr), g_(nullptr), dEma_(nullptr) {
  if (device_.is_cuda()) torch::manual_seed(opts_.seed);  // CUDA-side noise and dropout
  d_ = Net(spec_.discriminator, gen_);
  g_ = Net(spec_.generator, gen_);
  d_->to(device_);
  g_->to(device_);
  if (opts_.emaDecay > 0) {
    dEma_ = Net(spec_.discriminator, gen_);
    dEma_->to(device_);
    copyWeights(*d_, *dEma_);
  }
  const bool epsInsideSqrt = opts_.adamEpsilon == "official";
  optD_ = std::make_unique<Adam>(d_->parameters(), opts_.lrD, opts_.beta1, epsInsideSqrt);
  optG_ = std::make_unique<Adam>(g_->parameters(), opts_.lrG, opts_.beta1, epsInsideSqrt);
}

torch::Tensor Trainer::toModelInput(const torch::Tensor& nhwc) const {
  // Raw pixels 0..255 (the dataset layout) -> NCHW in [-1, 1], as the seed scaled them.
  return nhwc.to(device_).to(torch::kFloat).permute({0, 3, 1, 2}).div(127.5).sub(1).contiguous();
}

torch::Tensor Trainer::sampleZ(int64_t n) {
  return torch::empty({n, spec_.nz}).uniform_(spec_.zLow, spec_.zHigh, gen_);
}

torch::Tensor Trainer::fakeBatch(int64_t n) { return g_->forward(sampleZ(n).to(device_), Pass{}); }

Losses Trainer::trainDiscriminator(const torch::Tensor& images, const torch::Tensor& labels,
                                   const std::optional<torch::Tensor>& unlabeled) {
  d_->train();
  g_->train();
  auto real = toModelInput(images);
  auto y = labels.to(device_).to(torch::kLong);
  const int64_t k = spec_.k;
  torch::Tensor fake;
  {
    torch::NoGradGuard noGrad;  // the generator is not trained on this step
    fake = fakeBatch(real.size(0));
  }
  // Running statistics follow real batches only; generated ones use their own batch statistics.
  auto realLogits = d_->forward(real, Pass{true, true});
  auto fakeLogits = d_->forward(fake, Pass{true, false});
  Losses out;
  torch::Tensor loss;
  if (opts_.loss == "improved-gan") {
    auto sup = losses::supervisedLoss(realLogits, y);
    auto unlLogits = unlabeled ? d_->forward(toModelInput(*unlabeled), Pass{true, true}) : realLogits;
    auto unsup = losses::unsupervisedLoss(unlLogits, fakeLogits);
    loss = sup + unsup;
    out["d_loss_real"] = sup.item<double>();
    out["d_loss_unlabeled"] = (-0.5 * losses::logRealProb(unlLogits).mean()).item<double>();
    out["d_loss_fake"] = (-0.5 * losses::logFakeProb(fakeLogits).mean()).item<double>();
  } else {
    auto lossReal = losses::softCrossEntropy(realLogits, losses::realTarget(y, k)).mean();
    auto lossFake = losses::softCrossEntropy(fakeLogits, losses::fakeTarget(fake.size(0), k, opts_.alpha, fakeLogits.options())).mean();
    loss = lossReal + lossFake;
    if (unlabeled) {
      // Unlabeled real images: only "real, not generated" is known about them.
      auto unl = -losses::logRealProb(d_->forward(toModelInput(*unlabeled), Pass{true, true})).mean();
      loss = loss + unl;
      out["d_loss_unlabeled"] = unl.item<double>();
    }
    out["d_loss_real"] = lossReal.item<double>();
    out["d_loss_fake"] = lossFake.item<double>();
  }
  optD_->zeroGrad();
  loss.backward();
  clip(*d_, opts_.clipNorm);
  optD_->step();
  updateEma();
  out["d_loss"] = loss.item<double>();
  torch::NoGradGuard noGrad;
  out["s_loss"] = losses::sLoss(realLogits, y).item<double>();
  out["accuracy"] = losses::accuracy(realLogits, y);
  return out;
}

namespace {

// Freezes a network's parameters for the scope: gradients still flow through it to its input, but
// no weight gradients are computed (the generator step needs none for the discriminator).
class Frozen {
 public:
  explicit Frozen(torch::nn::Module& net) : params_(net.parameters()) {
    for (auto& p : params_) p.requires_grad_(false);
  }
  ~Frozen() {
    for (auto& p : params_) p.requires_grad_(true);
  }

 private:
  std::vector<torch::Tensor> params_;
};

}  // namespace

Losses Trainer::trainGenerator(const torch::Tensor& images, const torch::Tensor& labels, double reconWeight) {
  d_->train();
  g_->train();
  Frozen frozenD(*d_);
  auto real = toModelInput(images);
  auto fake = fakeBatch(real.size(0));
  Losses out;
  torch::Tensor loss;
  if (opts_.gLoss == "feature-matching") {
    torch::Tensor realFeatures, fakeFeatures;
    {
      torch::NoGradGuard noGrad;
      d_->forward(real, Pass{true, false, spec_.featureLayer, &realFeatures});
    }
    d_->forward(fake, Pass{true, false, spec_.featureLayer, &fakeFeatures});
    loss = losses::featureMatching(realFeatures, fakeFeatures);
  } else {
    auto fakeLogits = d_->forward(fake, Pass{true, false});
    auto adversarial = losses::seedGeneratorLoss(fakeLogits);
    // The annealed reconstruction term pulls early samples towards real images.
    loss = reconWeight > 0 ? adversarial + torch::nn::functional::huber_loss(fake, real) * reconWeight : adversarial;
  }
  optG_->zeroGrad();
  loss.backward();
  clip(*g_, opts_.clipNorm);
  optG_->step();
  out["g_loss"] = loss.item<double>();
  return out;
}

Losses Trainer::evaluate(const torch::Tensor& images, const torch::Tensor& labels) {
  torch::NoGradGuard noGrad;
  auto real = toModelInput(images);
  auto y = labels.to(device_).to(torch::kLong);
  auto fake = g_->forward(sampleZ(real.size(0)).to(device_), Pass{false, false});
  auto realLogits = d_->forward(real, Pass{false, false});
  auto fakeLogits = d_->forward(fake, Pass{false, false});
  Losses out;
  if (opts_.loss == "improved-gan") {
    out["d_loss_real"] = losses::supervisedLoss(realLogits, y).item<double>();
    out["d_loss_fake"] = (-0.5 * losses::logFakeProb(fakeLogits).mean()).item<double>();
  } else {
    out["d_loss_real"] = losses::softCrossEntropy(realLogits, losses::realTarget(y, spec_.k)).mean().item<double>();
    out["d_loss_fake"] = losses::softCrossEntropy(fakeLogits, losses::fakeTarget(fake.size(0), spec_.k, opts_.alpha, fakeLogits.options())).mean().item<double>();
    out["g_loss"] = losses::seedGeneratorLoss(fakeLogits).item<double>();
  }
  out["d_loss"] = out["d_loss_real"] + out["d_loss_fake"];
  out["s_loss"] = losses::sLoss(realLogits, y).item<double>();
  out["accuracy"] = losses::accuracy(realLogits, y);
  return out;
}

torch::Tensor Trainer::classify(const torch::Tensor& images, bool ema) {
  torch::NoGradGuard noGrad;
  Net& net = (ema && dEma_) ? dEma_ : d_;
  return net->forward(toModelInput(images), Pass{false, false}).to(torch::kCPU).contiguous();
}

torch::Tensor Trainer::generate(const torch::Tensor& z) {
  torch::NoGradGuard noGrad;
  auto x = g_->forward(z.to(device_).to(torch::kFloat), Pass{false, false});
  return x.permute({0, 2, 3, 1}).to(torch::kCPU).contiguous();
}

void Trainer::initFromData(const torch::Tensor& images) {
  d_->train();
  g_->train();
  Pass init{true, true};
  init.dataInit = true;
  d_->forward(toModelInput(images), init);
  g_->forward(sampleZ(images.size(0)).to(device_), init);
  if (dEma_) copyWeights(*d_, *dEma_);
}

void Trainer::setLearningRates(double lrG, double lrD) {
  optG_->setLearningRate(lrG);
  optD_->setLearningRate(lrD);
}

void Trainer::updateEma() {
  if (!dEma_) return;
  torch::NoGradGuard noGrad;
  // Warm-up as TensorFlow's ExponentialMovingAverage(num_updates): early on the average follows
  // the weights closely instead of staying mostly the random initialisation for thousands of steps.
  ++emaUpdates_;
  const double decay = std::min(opts_.emaDecay, (1.0 + emaUpdates_) / (10.0 + emaUpdates_));
  auto src = d_->named_parameters(), dst = dEma_->named_parameters();
  for (auto& p : src) dst[p.key()].mul_(decay).add_(p.value(), 1 - decay);
  copyBuffers(*d_, *dEma_);  // running statistics are not averaged
}

std::vector<std::pair<std::string, torch::Tensor>> Trainer::weights(bool ema) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  Net& d = (ema && dEma_) ? dEma_ : d_;
  for (auto& p : d->named_parameters()) out.emplace_back("D." + p.key(), p.value());
  for (auto& b : d->named_buffers()) out.emplace_back("D." + b.key(), b.value());
  for (auto& p : g_->named_parameters()) out.emplace_back("G." + p.key(), p.value());
  for (auto& b : g_->named_buffers()) out.emplace_back("G." + b.key(), b.value());
  return out;
}

std::vector<std::pair<std::string, torch::Tensor>> Trainer::state() {
  auto out = weights(false);
  if (dEma_) {
    for (auto& p : dEma_->named_parameters()) out.emplace_back("D_ema." + p.key(), p.value());
    for (auto& b : dEma_->named_buffers()) out.emplace_back("D_ema." + b.key(), b.value());
  }
  return out;
}

void Trainer::setWeights(const std::map<std::string, torch::Tensor>& w) {
  torch::NoGradGuard noGrad;
  auto all = state();
  for (auto& [name, value] : w) {
    auto it = std::find_if(all.begin(), all.end(), [&](auto& p) { return p.first == name; });
    if (it == all.end()) throw std::runtime_error("setWeights: the model has no tensor named '" + name + "'");
    if (it->second.sizes() != value.sizes())
      throw std::runtime_error("setWeights: '" + name + "' has shape " + c10::str(it->second.sizes()) + ", got " + c10::str(value.sizes()));
    it->second.copy_(value);
  }
}

void Trainer::save(const std::string& file) {
  torch::serialize::OutputArchive archive;
  for (auto& [name, t] : state()) archive.write(name, t.to(torch::kCPU));
  torch::serialize::OutputArchive optD, optG;
  optD_->save(optD);
  optG_->save(optG);
  archive.write("optim.D", optD);
  archive.write("optim.G", optG);
  archive.write("rng", gen_.get_state());
  archive.write("ema.updates", torch::tensor(emaUpdates_));
  archive.save_to(file);
}

void Trainer::load(const std::string& file, bool weightsOnly) {
  torch::serialize::InputArchive archive;
  archive.load_from(file, torch::kCPU);
  torch::NoGradGuard noGrad;
  for (auto& [name, t] : state()) {
    torch::Tensor value;
    if (!archive.try_read(name, value))
      throw std::runtime_error(file + ": the checkpoint has no tensor '" + name + "' (was it written for another model?)");
    if (value.sizes() != t.sizes())
      throw std::runtime_error(file + ": '" + name + "' has shape " + c10::str(value.sizes()) + ", the model expects " + c10::str(t.sizes()));
    t.copy_(value);
  }
  if (weightsOnly) return;
  torch::serialize::InputArchive optD, optG;
  archive.read("optim.D", optD);
  archive.read("optim.G", optG);
  optD_->load(optD);
  optG_->load(optG);
  torch::Tensor rng, emaUpdates;
  if (archive.try_read("rng", rng)) gen_.set_state(rng);
  if (archive.try_read("ema.updates", emaUpdates)) emaUpdates_ = emaUpdates.item<int64_t>();
}

}  // namespace ssgan
