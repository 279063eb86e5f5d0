// CUDA runtime of the CUDA addon (nodegrad_cuda.node): device selection with clear errors, one
// stream per context, a caching device allocator with stats and a registry of live blocks
// (every device pointer handed to a kernel is checked against it), host<->device copies.
// Plain C++ over the CUDA runtime API; kernels live in the .cu files of this folder.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace ng::cuda {

// Throws std::runtime_error("<what>: <CUDA error name>: <description>") unless e is cudaSuccess.
void check(cudaError_t e, const char* what);

// Why CUDA can not be used here (empty when it can): no driver, no device, driver too old...
// Probed once (cudaGetDeviceCount); cheap afterwards.
const std::string& unavailable_reason();
int device_count();
// Selects the device and creates the context's stream on first use; throws the reason above.
void ensure_ready(int device = 0);
int current_device();
cudaStream_t stream();
void synchronize();

// Caching allocator: blocks are rounded up to size buckets and kept for reuse after free; freed
// blocks are reused in stream order (every kernel runs on the one stream), so no sync is needed.
void* alloc(size_t bytes);
void free(void* p, size_t bytes);
// Bytes from p to the end of the live block containing p (0 when p is in no live block).
size_t live_bytes_after(const void* p);
struct AllocStats {
  size_t bytes_in_use, bytes_cached, peak_bytes_in_use;
  uint64_t device_allocations, cache_hits, live_blocks;
};
AllocStats alloc_stats();
// Returns cached (free) blocks to the driver.
void trim();

// Copies on the context stream. to_device from pageable memory returns once the source was
// staged (the CUDA runtime's rule); to_host waits for the data.
void copy_to_device(void* dst, const void* src, size_t bytes);
void copy_to_host(void* dst, const void* src, size_t bytes);
void copy_device(void* dst, const void* src, size_t bytes);

// Scratch for kernels (reductions, partial sums): a block from the allocator freed at scope end.
class Scratch {
 public:
  explicit Scratch(size_t bytes) : bytes_(bytes ? bytes : 4), p_(alloc(bytes_)) {}
  ~Scratch() { free(p_, bytes_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T>
  T* as() const { return static_cast<T*>(p_); }

 private:
  size_t bytes_;
  void* p_;
};

}  // namespace ng::cuda
