#include "large-pages.h"
#include <c10/core/CPUAllocator.h>
#include <sys/mman.h>
#include <cstdint>
#include <map>
#include <mutex>
#include <unordered_map>

namespace ssgan {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kLarge = size_t{1} << 20;
constexpr size_t kKeepLimit = size_t{4} << 30;

std::mutex mappedMutex;  // guards the three below
std::unordered_map<void*, size_t> mapped;  // block in use -> mapped length
std::multimap<size_t, void*> kept;         // freed blocks by mapped length
size_t keptBytes = 0;

// Frees a block of either kind: raw_deallocate (oneDNN's buffers) hands any pointer to one deleter.
void release(void* p) {
  size_t length = 0;
  {
    std::lock_guard<std::mutex> lock(mappedMutex);
    auto it = mapped.find(p);
    if (it != mapped.end()) {
      length = it->second;
      mapped.erase(it);
      if (keptBytes + length <= kKeepLimit) {
        kept.emplace(length, p);
        keptBytes += length;
        return;
      }
    }
  }
  if (length) munmap(p, length);
  else c10::GetDefaultCPUAllocator()->raw_deleter()(p);
}

// A kept block of exactly `length` bytes, marked in use, or nullptr.
void* reuse(size_t length) {
  std::lock_guard<std::mutex> lock(mappedMutex);
  auto it = kept.find(length);
  if (it == kept.end()) return nullptr;
  void* p = it->second;
  kept.erase(it);
  keptBytes -= length;
  mapped.emplace(p, length);
  return p;
}

class LargePageAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t n) const override {
    const c10::Device cpu(c10::DeviceType::CPU);
    if (n < kLarge) {
      void* p = c10::GetDefaultCPUAllocator()->raw_allocate(n);
      return {p, p, &release, cpu};
    }
    const size_t length = (n + kHugePage - 1) / kHugePage * kHugePage;
    if (void* p = reuse(length)) return {p, p, &release, cpu};
    // Over-map by one huge page, keep the 2 MiB-aligned part, unmap the rest.
    void* raw = mmap(nullptr, length + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    TORCH_CHECK(raw != MAP_FAILED, "out of memory: cannot map ", n, " bytes");
    const auto begin = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = (begin + kHugePage - 1) & ~(kHugePage - 1);
    if (aligned > begin) munmap(raw, aligned - begin);
    const uintptr_t end = begin + length + kHugePage;
    if (end > aligned + length) munmap(reinterpret_cast<void*>(aligned + length), end - (aligned + length));
    void* p = reinterpret_cast<void*>(aligned);
    madvise(p, length, MADV_HUGEPAGE);  // advice only: without THP the pages are small, as before
    {
      std::lock_guard<std::mutex> lock(mappedMutex);
      mapped.emplace(p, length);
    }
    return {p, p, &release, cpu};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }
};

}  // namespace

void useLargePages() {
  static LargePageAllocator allocator;
  static std::once_flag once;
  std::call_once(once, [] { c10::SetCPUAllocator(&allocator); });
}

}  // namespace ssgan
