#include "core/alloc.h"

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace ng {

namespace {

std::atomic<uint64_t> g_live{0};
std::atomic<uint64_t> g_pooled{0};
std::atomic<uint64_t> g_allocs{0};
std::atomic<uint64_t> g_hits{0};
std::atomic<uint64_t> g_max_alloc{16ull << 30};

std::mutex g_pool_mu;
std::unordered_map<size_t, std::vector<void*>>& pool() {
  static auto* p = new std::unordered_map<size_t, std::vector<void*>>();  // never destroyed: safe at exit
  return *p;
}

size_t round_up(size_t n, size_t m) { return (n + m - 1) / m * m; }

void* system_alloc(size_t bytes) {
  if (bytes > g_max_alloc.load()) {
    throw std::length_error("Cannot allocate " + std::to_string(bytes) + " bytes: above the limit of " +
                            std::to_string(g_max_alloc.load()) + " bytes for one allocation");
  }
  void* p = std::aligned_alloc(kAlign, bytes ? bytes : kAlign);
  if (!p) throw std::bad_alloc();
  g_allocs++;
  return p;
}

}  // namespace

size_t bucket_size(size_t bytes) {
  if (bytes <= 64) return 64;
  if (bytes <= 4096) {
    size_t b = 64;
    while (b < bytes) b <<= 1;
    return b;
  }
  // Four buckets per power of two: 1, 1.25, 1.5, 1.75 x 2^k (at most 25% waste).
  size_t p = 4096;
  while (p * 2 < bytes) p <<= 1;
  size_t step = p / 4;
  return round_up(bytes, step);
}

void* alloc_bytes(size_t bytes) {
  size_t n = round_up(bytes ? bytes : 1, kAlign);
  void* p = system_alloc(n);
  g_live += n;
  return p;
}

void free_bytes(void* p, size_t bytes) {
  if (!p) return;
  size_t n = round_up(bytes ? bytes : 1, kAlign);
  std::free(p);
  g_live -= n;
}

void* pool_acquire(size_t bytes) {
  size_t n = bucket_size(bytes);
  {
    std::lock_guard<std::mutex> lock(g_pool_mu);
    auto it = pool().find(n);
    if (it != pool().end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      g_pooled -= n;
      g_live += n;
      g_hits++;
      return p;
    }
  }
  void* p = system_alloc(n);
  g_live += n;
  return p;
}

void pool_release(void* p, size_t bytes) {
  if (!p) return;
  size_t n = bucket_size(bytes);
  std::lock_guard<std::mutex> lock(g_pool_mu);
  pool()[n].push_back(p);
  g_live -= n;
  g_pooled += n;
}

void pool_trim() {
  std::lock_guard<std::mutex> lock(g_pool_mu);
  for (auto& kv : pool()) {
    for (void* p : kv.second) {
      std::free(p);
      g_pooled -= kv.first;
    }
    kv.second.clear();
  }
}

MemoryStats memory_stats() {
  return MemoryStats{g_live.load(), g_pooled.load(), g_allocs.load(), g_hits.load(), g_max_alloc.load()};
}

void set_max_allocation(uint64_t bytes) { g_max_alloc = bytes; }

}  // namespace ng
