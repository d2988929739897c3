// Large CPU tensors on transparent huge pages, reused once freed.
#pragma once

namespace ssgan {

// From now on, libtorch's CPU tensors of 1 MiB and more are mapped on their own, 2 MiB aligned and
// advised as huge pages; smaller ones stay with libtorch's allocator. A freed block is kept and
// handed to the next tensor of the same mapped length (a training step allocates the same
// activations as the one before), up to 4 GiB of kept blocks; beyond that it is unmapped.
// Why: memory written for the first time page-faults (on a VM, more time than a small model's
// arithmetic; on huge pages one fault per 2 MiB instead of per 4 KiB), and glibc serves blocks over
// 64 MiB on worker threads, where steps run, from a fresh mmap every time. Idempotent.
void useLargePages();

}  // namespace ssgan
