// Data-parallel training on PyTorch's distributed engine (c10d), as DistributedDataParallel does
// it: the ranks of a process group start from rank 0's weights, see disjoint slices of each global
// batch, and average their gradients after every backward pass, so every rank applies the same
// update. One process group per process; until it is joined this process is rank 0 of 1 and every
// function here is a no-op.
#pragma once
#include <torch/torch.h>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace ssgan::dist {

enum class Backend { Gloo, Nccl };

// Read from JavaScript by toGroupOptions (convert.h); src/train/world.ts owns the defaults.
struct GroupOptions {
  int rank = 0, world = 1;
  std::string masterAddr;
  int masterPort = 0;
  std::chrono::milliseconds timeout{0};  // rendezvous and every collective operation
  Backend backend = Backend::Gloo;
  // Empty: rank 0 serves the TCPStore. Else a launcher serves it (torchrun's agent store) and every
  // rank is a client, keeping its keys under this prefix.
  std::string agentStorePrefix;
};

// Joins the process group through a TCPStore at masterAddr:masterPort (rank 0 serves it); blocks
// until every rank has joined or the timeout passes. Once per process.
void join(const GroupOptions& o);
int rank();
int world();
inline bool active() { return world() > 1; }

// Overwrites `tensors` (every rank passes the same list) with rank 0's values.
void broadcastFromRoot(const std::vector<torch::Tensor>& tensors);
// Averages the defined gradients of `params` across ranks, in flattened buckets: flatten, allreduce
// (sum), divide by the world size, unflatten.
void averageGradients(const std::vector<torch::Tensor>& params);
// Wall seconds this process has spent in averageGradients.
double gradientAveragingSeconds();
// The mean of each value across ranks (every rank passes as many).
std::vector<double> average(const std::vector<double>& values);
// True on every rank when `flag` is true on any.
bool any(bool flag);

// This rank's share of a batch drawn for all ranks: `draw(world * n)` draws the global batch's
// rows from a stream every rank holds in the same state, and this keeps rows [rank*n, (rank+1)*n),
// so N ranks of n rows see exactly what one process of N x n rows sees.
torch::Tensor rankRows(int64_t n, const std::function<torch::Tensor(int64_t rows)>& draw);

}  // namespace ssgan::dist
