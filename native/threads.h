// Thread counts for libtorch's intra-op pool and for the BLAS library under it.
#pragma once

namespace ssgan {

// Sets libtorch's intra-op threads and, when libtorch's BLAS is OpenBLAS, OpenBLAS's own pool
// (it sizes itself to every core, whatever libtorch is told, so two 1-thread runs would contend).
void setThreads(int n);
int getThreads();
// OpenBLAS's thread count, or 0 when the BLAS in this process is not OpenBLAS.
int blasThreads();

}  // namespace ssgan
