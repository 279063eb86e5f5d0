#include "cuda/runtime.h"

#include <map>
#include <mutex>
#include <new>
#include <stdexcept>
#include <vector>

namespace ng::cuda {

void check(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return;
  throw std::runtime_error(std::string("CUDA error in ") + what + ": " + cudaGetErrorName(e) + ": " +
                           cudaGetErrorString(e));
}

namespace {

struct Probe {
  int count = 0;
  std::string reason;
};

const Probe& probe() {
  static const Probe p = [] {
    Probe r;
    const cudaError_t e = cudaGetDeviceCount(&r.count);
    if (e == cudaErrorNoDevice || (e == cudaSuccess && r.count == 0)) {
      r.count = 0;
      r.reason = "no CUDA device was found (the driver is loaded but reports 0 GPUs; check CUDA_VISIBLE_DEVICES)";
    } else if (e == cudaErrorInsufficientDriver) {
      r.count = 0;
      int drv = 0, rt = 0;
      if (cudaDriverGetVersion(&drv) != cudaSuccess) drv = 0;
      cudaRuntimeGetVersion(&rt);
      const std::string rts = std::to_string(rt / 1000) + "." + std::to_string(rt % 1000 / 10);
      r.reason = drv == 0 ? "no NVIDIA driver was found (libcuda.so.1 could not be loaded); install the NVIDIA driver "
                            "for a GPU (this build's CUDA runtime is " + rts + ")"
                          : "the NVIDIA driver supports CUDA " + std::to_string(drv / 1000) + "." +
                                std::to_string(drv % 1000 / 10) + " but this build's CUDA runtime is " + rts +
                                "; update the driver";
    } else if (e != cudaSuccess) {
      r.count = 0;
      r.reason = std::string("the CUDA driver could not be initialized (") + cudaGetErrorName(e) + ": " +
                 cudaGetErrorString(e) + "); is an NVIDIA driver installed and a GPU visible?";
    }
    return r;
  }();
  return p;
}

struct Context {
  std::mutex mu;
  int device = -1;
  cudaStream_t stream = nullptr;
  // Allocator state.
  std::map<uintptr_t, size_t> live;                  // block start -> bucket bytes
  std::map<size_t, std::vector<void*>> cached;       // bucket bytes -> free blocks
  AllocStats stats{};
};

Context& ctx() {
  static auto* c = new Context();  // never destroyed: blocks may be freed during process exit
  return *c;
}

// 512-byte granularity up to 1 MiB, then 4 buckets per power of two (at most 25% waste).
size_t bucket_of(size_t bytes) {
  if (bytes <= 512) return 512;
  if (bytes <= (size_t(1) << 20)) return (bytes + 511) / 512 * 512;
  size_t p = size_t(1) << 20;
  while (p * 2 < bytes) p *= 2;
  const size_t step = p / 4;
  return (bytes + step - 1) / step * step;
}

}  // namespace

const std::string& unavailable_reason() { return probe().reason; }
int device_count() { return probe().count; }

void ensure_ready(int device) {
  const Probe& p = probe();
  if (!p.reason.empty()) throw std::runtime_error("nodegrad cuda: " + p.reason);
  if (device < 0 || device >= p.count) {
    throw std::runtime_error("nodegrad cuda: Expected a device index in [0, " + std::to_string(p.count) +
                             ") for device but received " + std::to_string(device));
  }
  Context& c = ctx();
  std::lock_guard<std::mutex> lock(c.mu);
  if (c.device == device) return;
  if (c.device >= 0) {
    throw std::runtime_error("nodegrad cuda: this process already uses cuda:" + std::to_string(c.device) +
                             "; one device per process is supported (got cuda:" + std::to_string(device) + ")");
  }
  check(cudaSetDevice(device), "cudaSetDevice");
  check(cudaStreamCreateWithFlags(&c.stream, cudaStreamNonBlocking), "cudaStreamCreate");
  c.device = device;
}

int current_device() { return ctx().device; }

cudaStream_t stream() {
  Context& c = ctx();
  if (c.device < 0) ensure_ready(0);
  return c.stream;
}

void synchronize() { check(cudaStreamSynchronize(stream()), "cudaStreamSynchronize"); }

void* alloc(size_t bytes) {
  if (ctx().device < 0) ensure_ready(0);
  Context& c = ctx();
  const size_t b = bucket_of(bytes);
  std::lock_guard<std::mutex> lock(c.mu);
  void* p = nullptr;
  auto it = c.cached.find(b);
  if (it != c.cached.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    c.stats.bytes_cached -= b;
    c.stats.cache_hits++;
  } else {
    cudaError_t e = cudaMalloc(&p, b);
    if (e == cudaErrorMemoryAllocation) {
      // Give the cache back to the driver and try once more.
      (void)cudaGetLastError();
      for (auto& kv : c.cached)
        for (void* q : kv.second) cudaFree(q);
      c.cached.clear();
      c.stats.bytes_cached = 0;
      e = cudaMalloc(&p, b);
      if (e == cudaErrorMemoryAllocation) {
        (void)cudaGetLastError();
        throw std::runtime_error("nodegrad cuda: out of device memory allocating " + std::to_string(bytes) +
                                 " bytes (" + std::to_string(c.stats.bytes_in_use) + " bytes in use)");
      }
    }
    check(e, "cudaMalloc");
    c.stats.device_allocations++;
  }
  c.live[reinterpret_cast<uintptr_t>(p)] = b;
  c.stats.bytes_in_use += b;
  c.stats.live_blocks++;
  if (c.stats.bytes_in_use > c.stats.peak_bytes_in_use) c.stats.peak_bytes_in_use = c.stats.bytes_in_use;
  return p;
}

void free(void* p, size_t) {
  if (!p) return;
  Context& c = ctx();
  std::lock_guard<std::mutex> lock(c.mu);
  auto it = c.live.find(reinterpret_cast<uintptr_t>(p));
  if (it == c.live.end()) return;  // not ours or already freed: ignore (never double-cache)
  const size_t b = it->second;
  c.live.erase(it);
  c.stats.bytes_in_use -= b;
  c.stats.live_blocks--;
  c.cached[b].push_back(p);
  c.stats.bytes_cached += b;
}

size_t live_bytes_after(const void* p) {
  Context& c = ctx();
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  std::lock_guard<std::mutex> lock(c.mu);
  auto it = c.live.upper_bound(a);
  if (it == c.live.begin()) return 0;
  --it;
  if (a >= it->first + it->second) return 0;
  return it->first + it->second - a;
}

AllocStats alloc_stats() {
  Context& c = ctx();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.stats;
}

void trim() {
  Context& c = ctx();
  if (c.device < 0) return;
  check(cudaStreamSynchronize(c.stream), "cudaStreamSynchronize");
  std::lock_guard<std::mutex> lock(c.mu);
  for (auto& kv : c.cached)
    for (void* q : kv.second) cudaFree(q);
  c.cached.clear();
  c.stats.bytes_cached = 0;
}

void copy_to_device(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream()), "cudaMemcpyAsync(host to device)");
}

void copy_to_host(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream()), "cudaMemcpyAsync(device to host)");
  check(cudaStreamSynchronize(stream()), "cudaStreamSynchronize");
}

void copy_device(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream()), "cudaMemcpyAsync(device to device)");
}

}  // namespace ng::cuda
