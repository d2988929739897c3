#include "dist.h"
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO  // ProcessGroupGloo.hpp declares nothing without it
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <cstdlib>
#include <stdexcept>

namespace ssgan::dist {
namespace {

// DistributedDataParallel's default bucket size.
constexpr int64_t kBucketBytes = 25 << 20;

struct Group {
  int rank = 0, world = 1;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> pg;
};
// Never destroyed: the process group's threads must outlive every other object at exit.
Group* group = nullptr;
// Wall time spent averaging gradients (flatten, allreduce, unflatten), for benchmarks.
double gradientSeconds = 0;

std::string what(const std::exception& e) {
  if (auto* te = dynamic_cast<const c10::Error*>(&e)) return te->what_without_backtrace();
  return e.what();
}

// Runs one collective operation to completion; a failure (a rank stopped, or did not answer within
// the timeout) names this rank and what the backend said.
void run(const char* op, const std::function<c10::intrusive_ptr<c10d::Work>()>& start) {
  try {
    start()->wait();
  } catch (const std::exception& e) {
    std::string msg = what(e);
    if (auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
    throw std::runtime_error("rank " + std::to_string(group->rank) + ": the " + op +
                             " with the other ranks failed (" + msg + "): another rank stopped, or did not answer within --dist-timeout");
  }
}

}  // namespace

void join(const GroupOptions& o) {
  if (group) throw std::runtime_error("this process already joined a process group");
  if (o.world < 1 || o.rank < 0 || o.rank >= o.world)
    throw std::runtime_error("rank " + std::to_string(o.rank) + " is not in a world of " + std::to_string(o.world));
#ifdef USE_C10D_NCCL
  if (o.backend == Backend::Nccl) throw std::runtime_error("--dist-backend nccl: this addon averages gradients with Gloo only; use --dist-backend gloo");
#else
  if (o.backend == Backend::Nccl) throw std::runtime_error("--dist-backend nccl: this libtorch has no NCCL (a CPU build); use --dist-backend gloo");
#endif
  auto g = std::make_unique<Group>();
  g->rank = o.rank;
  g->world = o.world;
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(o.masterPort);
    so.timeout = o.timeout;
    so.numWorkers = static_cast<std::size_t>(o.world);
    if (o.agentStorePrefix.empty()) {
      so.isServer = o.rank == 0;
      so.multiTenant = true;
      g->store = c10::make_intrusive<c10d::TCPStore>(o.masterAddr, so);
    } else {
      so.isServer = false;
      so.waitWorkers = false;
      g->store = c10::make_intrusive<c10d::PrefixStore>(o.agentStorePrefix, c10::make_intrusive<c10d::TCPStore>(o.masterAddr, so));
    }
    auto opts = c10d::ProcessGroupGloo::Options::create(o.timeout);
    // GLOO_SOCKET_IFNAME names the network interface, as in PyTorch; else loopback for a
    // single-machine group (the hostname may not resolve), else this host's address.
    const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
    const bool local = o.masterAddr == "127.0.0.1" || o.masterAddr == "localhost";
    opts->devices.push_back(ifname && *ifname ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                            : local           ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                              : c10d::ProcessGroupGloo::createDefaultDevice());
    g->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(g->store, o.rank, o.world, opts);
  } catch (const std::exception& e) {
    throw std::runtime_error("rank " + std::to_string(o.rank) + " of " + std::to_string(o.world) + ": cannot join the process group at " +
                             o.masterAddr + ":" + std::to_string(o.masterPort) + " (" + what(e) + ")");
  }
  group = g.release();
}

int rank() { return group ? group->rank : 0; }
int world() { return group ? group->world : 1; }

void broadcastFromRoot(const std::vector<torch::Tensor>& tensors) {
  if (!active()) return;
  torch::NoGradGuard noGrad;
  for (const auto& t : tensors) {
    std::vector<at::Tensor> one{t.detach()};
    if (!one[0].is_contiguous()) throw std::logic_error("broadcastFromRoot: a non-contiguous tensor");
    c10d::BroadcastOptions opts;
    opts.rootRank = 0;
    run("broadcast of the weights", [&] { return group->pg->broadcast(one, opts); });
  }
}

void averageGradients(const std::vector<torch::Tensor>& params) {
  if (!active()) return;
  torch::NoGradGuard noGrad;
  const auto start = std::chrono::steady_clock::now();
  std::vector<torch::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  for (size_t i = 0; i < grads.size();) {
    std::vector<torch::Tensor> bucket{grads[i]};
    int64_t bytes = grads[i].nbytes();
    for (++i; i < grads.size() && bytes + static_cast<int64_t>(grads[i].nbytes()) <= kBucketBytes &&
              grads[i].scalar_type() == bucket[0].scalar_type() && grads[i].device() == bucket[0].device(); ++i) {
      bucket.push_back(grads[i]);
      bytes += grads[i].nbytes();
    }
    std::vector<torch::Tensor> flat;
    for (auto& g : bucket) flat.push_back(g.reshape(-1));
    std::vector<at::Tensor> one{torch::cat(flat)};
    run("gradient allreduce", [&] { return group->pg->allreduce(one); });
    one[0].div_(group->world);
    int64_t offset = 0;
    for (auto& g : bucket) {
      g.copy_(one[0].narrow(0, offset, g.numel()).view_as(g));
      offset += g.numel();
    }
  }
  gradientSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double gradientAveragingSeconds() { return gradientSeconds; }

std::vector<double> average(const std::vector<double>& values) {
  if (!active() || values.empty()) return values;
  std::vector<at::Tensor> one{torch::tensor(values, torch::kDouble)};
  run("loss allreduce", [&] { return group->pg->allreduce(one); });
  one[0].div_(group->world);
  auto a = one[0].accessor<double, 1>();
  std::vector<double> out(values.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = a[i];
  return out;
}

bool any(bool flag) {
  if (!active()) return flag;
  std::vector<at::Tensor> one{torch::tensor({flag ? 1 : 0}, torch::kInt)};
  c10d::AllreduceOptions opts;
  opts.reduceOp = c10d::ReduceOp::MAX;
  run("stop agreement", [&] { return group->pg->allreduce(one, opts); });
  return one[0].item<int>() != 0;
}

torch::Tensor rankRows(int64_t n, const std::function<torch::Tensor(int64_t rows)>& draw) {
  if (!active()) return draw(n);
  return draw(n * world()).narrow(0, n * rank(), n).contiguous();
}

}  // namespace ssgan::dist
