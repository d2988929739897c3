#include "trainer.h"
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/autocast_mode.h>
#include <torch/serialize.h>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>
#include "dist.h"
#include "losses.h"

namespace ssgan {
namespace {

torch::Device toTorch(Device d) { return d == Device::Cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU); }

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

// Clips the gradients to a global norm (when maxNorm > 0); returns their norm before clipping.
double clipGradients(torch::nn::Module& net, double maxNorm) {
  return torch::nn::utils::clip_grad_norm_(net.parameters(), maxNorm > 0 ? maxNorm : INFINITY);
}

// Divergence: a non-finite loss or gradient norm stops training before the update is applied.
void requireFinite(int64_t step, const std::string& name, double loss, double gradNorm) {
  if (std::isfinite(loss) && std::isfinite(gradNorm)) return;
  const std::string what = std::isfinite(loss) ? "the gradient norm of " + name + " = " + std::to_string(loss) + " is " + std::to_string(gradNorm)
                                               : name + " is " + std::to_string(loss);
  throw std::runtime_error("training diverged at step " + std::to_string(step + 1) + ": " + what +
                           "; the weights were not updated (lower the learning rates, or resume from the last checkpoint)");
}

// Freezes a network's parameters for the scope: gradients still flow through it to its input, but
// no weight gradients are computed (the generator update needs none for the discriminator).
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

// The discriminator's loss, shared by training and evaluation: supervised on labeled real images,
// plus, where given (defined), "real" on unlabeled images and "generated" on fakes.
struct DLoss {
  torch::Tensor total;
  Losses parts;
};
DLoss discriminatorLoss(const TrainOptions& o, int64_t k, const torch::Tensor& realLogits, const torch::Tensor& y,
                        const torch::Tensor& unlabeledLogits, const torch::Tensor& fakeLogits) {
  const bool improved = o.loss == Loss::ImprovedGan;
  DLoss out;
  out.total = improved ? losses::supervisedLoss(realLogits, y) : losses::softCrossEntropy(realLogits, losses::realTarget(y, k)).mean();
  out.parts["d_loss_real"] = out.total.item<double>();
  // The Improved-GAN code halves its unsupervised terms; the seed counts unlabeled images whole.
  const double half = improved ? 0.5 : 1.0;
  if (unlabeledLogits.defined()) {
    auto unl = -half * losses::logRealProb(unlabeledLogits).mean();
    out.parts["d_loss_unlabeled"] = unl.item<double>();
    out.total = out.total + unl;
  }
  if (fakeLogits.defined()) {
    auto fake = improved ? -0.5 * losses::logFakeProb(fakeLogits).mean()
                         : losses::softCrossEntropy(fakeLogits, losses::fakeTarget(fakeLogits.size(0), k, o.alpha, fakeLogits.options())).mean();
    out.parts["d_loss_fake"] = fake.item<double>();
    out.total = out.total + fake;
  }
  out.parts["d_loss"] = out.total.item<double>();
  return out;
}

// Losses of a step or evaluation averaged over the ranks of a process group (each saw its slice).
Losses averaged(Losses l) {
  if (!dist::active()) return l;
  std::vector<double> values;
  for (auto& [k, v] : l) values.push_back(v);
  values = dist::average(values);
  size_t i = 0;
  for (auto& [k, v] : l) v = values[i++];
  return l;
}

// Copies `from` into the model's tensor `into` (named `name`), refusing another shape.
void copyChecked(const char* where, const std::string& name, torch::Tensor& into, const torch::Tensor& from) {
  if (from.sizes() != into.sizes())
    throw std::runtime_error(std::string(where) + ": '" + name + "' has shape " + c10::str(from.sizes()) + ", the model expects " + c10::str(into.sizes()));
  // A plain copy on this thread: copy_ would wake the intra-op threads for every tensor.
  if (into.is_cpu() && from.is_cpu() && into.is_contiguous() && from.is_contiguous() && into.scalar_type() == from.scalar_type())
    std::memcpy(into.data_ptr(), from.data_ptr(), into.nbytes());
  else
    into.copy_(from);
}

// bf16 autocast on this thread for one forward pass (the flags are thread-local; steps run on
// worker threads). Its cache of bf16 weight copies is dropped on exit: the weights change at every step.
class Autocast {
 public:
  Autocast(bool on, bool cuda) : on_(on), cuda_(cuda) {
    if (!on_) return;
    if (cuda_) {
      at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
      at::autocast::set_enabled(true);
    } else {
      at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
      at::autocast::set_cpu_enabled(true);
    }
    at::autocast::increment_nesting();
  }
  ~Autocast() {
    if (!on_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    cuda_ ? at::autocast::set_enabled(false) : at::autocast::set_cpu_enabled(false);
  }
  Autocast(const Autocast&) = delete;
  Autocast& operator=(const Autocast&) = delete;

 private:
  bool on_, cuda_;
};

}  // namespace

Trainer::Trainer(ModelSpec spec, TrainOptions opts, WeightInit init)
    : spec_(std::move(spec)),
      opts_(std::move(opts)),
      device_(toTorch(opts_.device)),
      gen_(at::make_generator<at::CPUGeneratorImpl>(opts_.seed)),
      d_(nullptr), g_(nullptr), dEma_(nullptr) {
  if (device_.is_cuda()) torch::manual_seed(opts_.seed);  // CUDA-side noise and dropout
  for (const auto& l : spec_.discriminator)
    if (l.op == Op::Norm && l.norm == NormKind::Batch) joinablePasses_ = false;
  d_ = Net(spec_.discriminator, gen_, init);
  g_ = Net(spec_.generator, gen_, init);
  d_->to(device_);
  g_->to(device_);
  if (opts_.emaDecay > 0) {
    // Overwritten by d_'s weights, but drawn all the same when training: the noise that follows
    // comes from the same generator, and runs stay as they were.
    dEma_ = Net(spec_.discriminator, gen_, init);
    dEma_->to(device_);
  }
}

Trainer::Trainer(ModelSpec spec, TrainOptions opts) : Trainer(std::move(spec), std::move(opts), WeightInit::Random) {
  if (dEma_) copyWeights(*d_, *dEma_);
  optD_ = std::make_unique<Adam>(d_->parameters(), opts_.learningRateD, opts_.beta1, opts_.adamEpsilonInsideSqrt);
  optG_ = std::make_unique<Adam>(g_->parameters(), opts_.learningRateG, opts_.beta1, opts_.adamEpsilonInsideSqrt);
}

Trainer::Trainer(ModelSpec spec, TrainOptions opts, const NamedTensors& weights) : Trainer(std::move(spec), std::move(opts), WeightInit::Uninitialised) {
  torch::NoGradGuard noGrad;
  for (auto& [name, t] : state()) {
    auto it = weights.find(name);
    if (it == weights.end()) throw std::runtime_error("weights: no tensor '" + name + "' (were they written for another model?)");
    copyChecked("weights", name, t, it->second);
  }
}

void Trainer::requireOptimisers(const char* what) const {
  if (!optD_) throw std::runtime_error(std::string(what) + ": this model was built from weights for inference and has no optimiser state");
}

torch::Tensor Trainer::toModelInput(const torch::Tensor& nhwc) const {
  // Raw pixels 0..255 (the dataset layout) -> NCHW in [-1, 1], as the seed scaled them.
  return nhwc.to(device_).to(torch::kFloat).permute({0, 3, 1, 2}).div(127.5).sub(1).contiguous();
}

torch::Tensor Trainer::sampleZ(int64_t n, bool sameOnEveryRank) {
  auto draw = [&](int64_t rows) { return torch::empty({rows, spec_.nz}).uniform_(spec_.zLow, spec_.zHigh, gen_); };
  return sameOnEveryRank ? draw(n) : dist::rankRows(n, draw);
}

torch::Tensor Trainer::trainingForward(Net& net, const torch::Tensor& x, const Pass& pass) {
  torch::Tensor out;
  {
    Autocast lowPrecision(opts_.precision == Precision::Bf16, device_.is_cuda());
    out = net->forward(x, pass);
  }
  if (pass.features && pass.features->defined()) *pass.features = pass.features->to(torch::kFloat);
  return out.to(torch::kFloat);
}

torch::Tensor Trainer::fakeBatch(int64_t n) { return trainingForward(g_, sampleZ(n).to(device_), Pass::real()); }

StepPlan Trainer::plan(int64_t step) const {
  if (!opts_.gan) return {true, false, false};
  if (opts_.loss == Loss::ImprovedGan) return {true, true, true};
  if (step % (opts_.updateRate + 1) > 0) return {false, false, true};
  return {true, true, false};
}

Losses Trainer::step(int64_t step, const StepBatches& b) {
  requireOptimisers("step");
  const StepPlan p = plan(step);
  if (p.labeled && (!b.labeledImages || !b.labels))
    throw std::runtime_error("step " + std::to_string(step) + ": the recipe needs a labeled batch");
  if (p.generatorReal && !b.generatorReal)
    throw std::runtime_error("step " + std::to_string(step) + ": the recipe needs a real batch for the generator");
  d_->train();
  g_->train();
  Losses out;
  if (p.labeled) out = discriminatorStep(step, b);
  if (p.generatorReal) out.merge(generatorStep(step, *b.generatorReal));
  return averaged(out);
}

Losses Trainer::discriminatorStep(int64_t step, const StepBatches& b) {
  auto real = toModelInput(*b.labeledImages);
  auto y = b.labels->to(device_).to(torch::kLong);
  torch::Tensor unlabeled = b.unlabeled ? toModelInput(*b.unlabeled) : torch::Tensor();
  torch::Tensor fake;
  if (opts_.gan) {
    torch::NoGradGuard noGrad;  // the generator is not trained on this update
    fake = fakeBatch(real.size(0));
  }
  torch::Tensor realLogits, unlabeledLogits, fakeLogits;
  if (joinablePasses_) {
    // One pass over the labeled, unlabeled and generated batches joined: the same outputs as three
    // passes (no layer mixes examples), with the weights normalised once and larger products.
    std::vector<torch::Tensor> parts = {real};
    if (unlabeled.defined()) parts.push_back(unlabeled);
    if (fake.defined()) parts.push_back(fake);
    std::vector<int64_t> sizes;
    for (auto& t : parts) sizes.push_back(t.size(0));
    auto logits = trainingForward(d_, torch::cat(parts), Pass::real().joining(sizes)).split_with_sizes(sizes);
    realLogits = logits[0];
    if (unlabeled.defined()) unlabeledLogits = logits[1];
    if (fake.defined()) fakeLogits = logits.back();
  } else {
    // Running statistics follow real batches only; generated ones use their own batch statistics.
    const bool realStats = opts_.fakeNorm == FakeNorm::Real;
    realLogits = trainingForward(d_, real, realStats ? Pass::real().recording() : Pass::real());
    if (unlabeled.defined()) unlabeledLogits = trainingForward(d_, unlabeled, Pass::real());
    if (fake.defined()) fakeLogits = trainingForward(d_, fake, realStats ? Pass::generatedWithRealStats() : Pass::generated());
  }
  auto loss = discriminatorLoss(opts_, spec_.k, realLogits, y, unlabeledLogits, fakeLogits);
  optD_->zeroGrad();
  loss.total.backward();
  dist::averageGradients(d_->parameters());
  requireFinite(step, "d_loss", loss.parts["d_loss"], clipGradients(*d_, opts_.clipNorm));
  optD_->step();
  updateEma();
  torch::NoGradGuard noGrad;
  loss.parts["s_loss"] = losses::sLoss(realLogits, y).item<double>();
  loss.parts["accuracy"] = losses::accuracy(realLogits, y);
  return loss.parts;
}

double Trainer::reconWeightAt(int64_t step) const {
  // The seed's annealed reconstruction term: weight x clamp((steps - step) / steps, 0, 1).
  if (opts_.loss != Loss::Seed) return 0;
  const double left = static_cast<double>(opts_.reconSteps - step) / static_cast<double>(opts_.reconSteps);
  return opts_.reconWeight * std::min(1.0, std::max(0.0, left));
}

torch::Tensor Trainer::logitGeneratorLoss(const torch::Tensor& fakeLogits) const {
  return opts_.gLoss == GeneratorLoss::NonSaturating ? losses::nonSaturatingGeneratorLoss(fakeLogits) : losses::seedGeneratorLoss(fakeLogits);
}

Losses Trainer::generatorStep(int64_t step, const torch::Tensor& realImages) {
  Frozen frozenD(*d_);
  auto real = toModelInput(realImages);
  auto fake = fakeBatch(real.size(0));
  const bool realStats = opts_.fakeNorm == FakeNorm::Real;
  const Pass fakePass = realStats ? Pass::generatedWithRealStats() : Pass::generated();
  Losses out;
  torch::Tensor loss;
  torch::Tensor realFeatures;
  if (matchesFeatures(opts_.gLoss) || realStats) {
    // The real batch's features (feature matching) and batch statistics (fakeNorm Real); the
    // running statistics stay as the discriminator's updates left them.
    torch::NoGradGuard noGrad;
    Pass pass = Pass::generated().capturing(spec_.featureLayer, &realFeatures);
    trainingForward(d_, real, realStats ? pass.recording() : pass);
  }
  if (matchesFeatures(opts_.gLoss)) {
    torch::Tensor fakeFeatures;
    trainingForward(d_, fake, fakePass.capturing(spec_.featureLayer, &fakeFeatures));
    loss = losses::featureMatching(realFeatures, fakeFeatures, opts_.gLoss == GeneratorLoss::FeatureMatchingL1);
  } else {
    auto fakeLogits = trainingForward(d_, fake, fakePass);
    loss = logitGeneratorLoss(fakeLogits);
    // The annealed reconstruction term pulls early samples towards real images.
    const double recon = reconWeightAt(step);
    if (recon > 0) loss = loss + torch::nn::functional::huber_loss(fake, real) * recon;
    out["recon_weight"] = recon;
  }
  optG_->zeroGrad();
  loss.backward();
  dist::averageGradients(g_->parameters());
  out["g_loss"] = loss.item<double>();
  requireFinite(step, "g_loss", out["g_loss"], clipGradients(*g_, opts_.clipNorm));
  optG_->step();
  return out;
}

Losses Trainer::evaluate(const torch::Tensor& images, const torch::Tensor& labels) {
  torch::NoGradGuard noGrad;
  auto real = toModelInput(images);
  auto y = labels.to(device_).to(torch::kLong);
  auto realLogits = d_->forward(real, Pass::inference());
  torch::Tensor fakeLogits;
  if (opts_.gan) fakeLogits = d_->forward(g_->forward(sampleZ(real.size(0)).to(device_), Pass::inference()), Pass::inference());
  Losses out = discriminatorLoss(opts_, spec_.k, realLogits, y, torch::Tensor(), fakeLogits).parts;
  if (fakeLogits.defined() && !matchesFeatures(opts_.gLoss)) out["g_loss"] = logitGeneratorLoss(fakeLogits).item<double>();
  out["s_loss"] = losses::sLoss(realLogits, y).item<double>();
  out["accuracy"] = losses::accuracy(realLogits, y);
  return averaged(out);
}

torch::Tensor Trainer::classify(const torch::Tensor& images, bool ema) {
  torch::NoGradGuard noGrad;
  Net& net = (ema && dEma_) ? dEma_ : d_;
  return net->forward(toModelInput(images), Pass::inference()).to(torch::kCPU).contiguous();
}

torch::Tensor Trainer::generate(const torch::Tensor& z) {
  torch::NoGradGuard noGrad;
  auto x = g_->forward(z.to(device_).to(torch::kFloat), Pass::inference());
  return x.permute({0, 2, 3, 1}).add(1).mul(127.5).to(torch::kCPU).contiguous();
}

void Trainer::initFromData(const torch::Tensor& images) {
  d_->train();
  g_->train();
  d_->forward(toModelInput(images), Pass::initialisation());
  g_->forward(sampleZ(images.size(0), true).to(device_), Pass::initialisation());
  if (dEma_) copyWeights(*d_, *dEma_);
}

void Trainer::broadcastWeights() {
  std::vector<torch::Tensor> all;
  for (auto& [name, t] : state()) all.push_back(t);
  dist::broadcastFromRoot(all);
}

void Trainer::setLearningRates(double lrG, double lrD) {
  requireOptimisers("setLearningRates");
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

void Trainer::setWeights(const NamedTensors& w) {
  torch::NoGradGuard noGrad;
  auto all = state();
  for (auto& [name, value] : w) {
    auto it = std::find_if(all.begin(), all.end(), [&](auto& p) { return p.first == name; });
    if (it == all.end()) throw std::runtime_error("setWeights: the model has no tensor named '" + name + "'");
    copyChecked("setWeights", name, it->second, value);
  }
}

void Trainer::save(const std::string& file) {
  requireOptimisers("save");
  torch::serialize::OutputArchive archive;
  for (auto& [name, t] : state()) archive.write(name, t.to(torch::kCPU));
  torch::serialize::OutputArchive optD, optG;
  optD_->save(optD);
  optG_->save(optG);
  archive.write("optim.D", optD);
  archive.write("optim.G", optG);
  archive.write("rng", gen_.get_state());
  archive.write("ema.updates", torch::tensor(emaUpdates_));
  // Serialised in memory, then written with every error checked: libtorch's own file writer
  // aborts the process when the disk fills up instead of throwing.
  std::ostringstream bytes;
  archive.save_to(bytes);
  const std::string data = bytes.str();
  std::FILE* f = std::fopen(file.c_str(), "wb");
  if (!f) throw std::runtime_error(file + ": cannot write (" + std::strerror(errno) + ")");
  const bool written = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  const int err = errno;
  if (std::fclose(f) != 0 || !written) {
    std::remove(file.c_str());
    throw std::runtime_error(file + ": cannot write (" + std::strerror(written ? errno : err) + ")");
  }
}

void Trainer::load(const std::string& file) {
  requireOptimisers("load");
  torch::serialize::InputArchive archive;
  archive.load_from(file, torch::kCPU);
  torch::NoGradGuard noGrad;
  for (auto& [name, t] : state()) {
    torch::Tensor value;
    if (!archive.try_read(name, value))
      throw std::runtime_error(file + ": the checkpoint has no tensor '" + name + "' (was it written for another model?)");
    copyChecked(file.c_str(), name, t, value);
  }
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
