// Large CPU tensors on transparent huge pages, for processes that run inference.
#pragma once

namespace ssgan {

// From now on, libtorch's CPU tensors of 1 MiB and more are mapped on their own, 2 MiB aligned and
// advised as huge pages; smaller ones stay with libtorch's allocator. A first forward pass writes
// every activation into fresh memory: on 4 KiB pages that is one page fault per 4 KiB (on a VM,
// more time than a small model's arithmetic), on huge pages one per 2 MiB. Freed blocks are unmapped,
// not kept, which suits one-shot inference; training keeps glibc's heap (binding.cpp Init), whose
// reuse of the same buffers step after step is cheaper still. Idempotent.
void useLargePages();

}  // namespace ssgan
