#include "threads.h"
#include <dlfcn.h>
#include <torch/torch.h>

namespace ssgan {
namespace {

// OpenBLAS is a dependency of libtorch, loaded locally, so its symbols are looked up through a
// handle to the already-loaded library (RTLD_NOLOAD never loads anything new).
void* openblasSymbol(const char* name) {
  for (const char* lib : {"libopenblas.so.0", "libblas.so.3"}) {
    if (void* h = dlopen(lib, RTLD_LAZY | RTLD_NOLOAD)) {
      void* sym = dlsym(h, name);
      dlclose(h);
      if (sym) return sym;
    }
  }
  return nullptr;
}

}  // namespace

void setThreads(int n) {
  // Setting libtorch's count (even to the same number) recreates its pthreadpool, whose new threads
  // spin for a while: a cost each time a model is built.
  if (torch::get_num_threads() != n) torch::set_num_threads(n);
  if (auto set = reinterpret_cast<void (*)(int)>(openblasSymbol("openblas_set_num_threads"))) set(n);
}

int getThreads() { return torch::get_num_threads(); }

int blasThreads() {
  auto get = reinterpret_cast<int (*)()>(openblasSymbol("openblas_get_num_threads"));
  return get ? get() : 0;
}

}  // namespace ssgan
