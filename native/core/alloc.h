// 64-byte aligned allocation with live/pooled byte accounting and a size-bucketed pool.
//
// Two users:
//  - tensor storage handed to JS as external ArrayBuffers (binding/memory.cc): allocated with
//    alloc_bytes() and freed with free_bytes(); the JS side keeps its own free lists of whole
//    ArrayBuffers, so a training step in steady state makes no native allocation at all.
//  - kernel scratch (packing buffers, temporaries): pool_acquire()/pool_release() reuse
//    freed blocks of the same bucket instead of going back to malloc.
// All functions are thread-safe (worker_threads and the libuv pool may allocate concurrently).
#pragma once
#include <cstddef>
#include <cstdint>

namespace ng {

constexpr size_t kAlign = 64;

struct MemoryStats {
  uint64_t bytes_live;       // bytes currently allocated and handed out (storage + scratch)
  uint64_t bytes_pooled;     // bytes held in the native scratch pool, ready for reuse
  uint64_t allocations;      // number of successful system allocations so far
  uint64_t pool_hits;        // scratch requests served from the pool
  uint64_t max_allocation;   // the largest single request accepted (bytes)
};

// Rounds a request up to its bucket size (>= 64; 4 buckets per power of two above 4 KiB).
size_t bucket_size(size_t bytes);

// Allocates `bytes` (rounded to a multiple of 64) of 64-byte aligned memory.
// Throws std::length_error when above the allocation limit and std::bad_alloc when the system
// cannot satisfy it; never aborts.
void* alloc_bytes(size_t bytes);
void free_bytes(void* p, size_t bytes);

// Scratch memory from the bucketed pool; `bytes` is rounded up with bucket_size().
void* pool_acquire(size_t bytes);
void pool_release(void* p, size_t bytes);
// Returns every pooled block to the system.
void pool_trim();

MemoryStats memory_stats();
// Largest single allocation accepted (default 16 GiB); requests above throw std::length_error.
void set_max_allocation(uint64_t bytes);

// RAII scratch buffer for kernels.
class Scratch {
 public:
  explicit Scratch(size_t bytes) : bytes_(bytes), p_(bytes ? pool_acquire(bytes) : nullptr) {}
  ~Scratch() { if (p_) pool_release(p_, bytes_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T> T* as() const { return static_cast<T*>(p_); }
 private:
  size_t bytes_;
  void* p_;
};

}  // namespace ng
