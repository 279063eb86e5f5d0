// Entry of nodegrad_cuda.node: the op functions of the CUDA backend (native/binding/ops.cc over
// the backends registered here: only "cuda") plus the device runtime: availability, device
// facts, memory (alloc/free/copies), the allocator's stats and the GEMM precision.
// Every function that touches the device first selects it, so a machine without a driver or GPU
// gets the probe's clear error (runtime.cc) from the first call.
#include <cuda_runtime_api.h>
#include <napi.h>

#include <cmath>
#include <cstring>
#include <string>

#include "binding/args.h"
#include "binding/registry.h"
#include "cuda/kernels.h"
#include "cuda/runtime.h"

namespace {

using namespace ng::binding;
namespace cu = ng::cuda;

Napi::Value Available(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  const std::string& reason = cu::unavailable_reason();
  o.Set("available", Napi::Boolean::New(env, reason.empty()));
  o.Set("reason", Napi::String::New(env, reason));
  o.Set("deviceCount", Napi::Number::New(env, cu::device_count()));
  int rt = 0;
  cudaRuntimeGetVersion(&rt);
  o.Set("runtimeVersion", Napi::Number::New(env, rt));
  int drv = 0;
  if (cudaDriverGetVersion(&drv) != cudaSuccess) drv = 0;
  o.Set("driverVersion", Napi::Number::New(env, drv));
  return o;
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  const int64_t d = int_arg(info, 0, "device", 0);
  cu::ensure_ready(static_cast<int>(d));
  return info.Env().Undefined();
}

Napi::Value DeviceInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  cu::ensure_ready(cu::current_device() >= 0 ? cu::current_device() : 0);
  cudaDeviceProp p{};
  cu::check(cudaGetDeviceProperties(&p, cu::current_device()), "cudaGetDeviceProperties");
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", Napi::Number::New(env, cu::current_device()));
  o.Set("name", Napi::String::New(env, p.name));
  o.Set("computeCapability", Napi::String::New(env, std::to_string(p.major) + "." + std::to_string(p.minor)));
  o.Set("totalMemory", Napi::Number::New(env, static_cast<double>(p.totalGlobalMem)));
  o.Set("multiprocessors", Napi::Number::New(env, p.multiProcessorCount));
  return o;
}

Napi::Value Alloc(const Napi::CallbackInfo& info) {
  const int64_t bytes = int_arg(info, 0, "bytes", 0);
  void* p = cu::alloc(static_cast<size_t>(bytes));
  return Napi::Number::New(info.Env(), static_cast<double>(reinterpret_cast<uintptr_t>(p)));
}

void* ptr_arg(const Napi::CallbackInfo& info, size_t i, const char* name, size_t need_bytes) {
  const int64_t v = int_arg(info, i, name, 1);
  void* p = reinterpret_cast<void*>(static_cast<uintptr_t>(v));
  if (cu::live_bytes_after(p) < need_bytes) {
    throw Napi::RangeError::New(info.Env(), expected_msg("a live cuda allocation with " + std::to_string(need_bytes) +
                                                             " bytes", name, describe_value(info[i])));
  }
  return p;
}

Napi::Value Free(const Napi::CallbackInfo& info) {
  void* p = ptr_arg(info, 0, "ptr", 1);
  cu::free(p, 0);
  return info.Env().Undefined();
}

// Host typed array (any element type) -> data pointer and bytes.
void* host_view(const Napi::CallbackInfo& info, size_t i, const char* name, size_t* bytes) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray()) throw Napi::TypeError::New(info.Env(), expected_msg("TypedArray", name, describe_value(v)));
  Napi::TypedArray t = v.As<Napi::TypedArray>();
  size_t len = 0;
  void* p = view_data(info.Env(), v, name, "TypedArray", &len);
  *bytes = t.ByteLength();
  return p;
}

// upload(ptr, hostArray): host -> device (asynchronous on the stream once the source is staged).
Napi::Value Upload(const Napi::CallbackInfo& info) {
  size_t bytes = 0;
  void* src = host_view(info, 1, "src", &bytes);
  void* dst = ptr_arg(info, 0, "ptr", bytes);
  cu::copy_to_device(dst, src, bytes);
  return info.Env().Undefined();
}

// download(ptr, hostArray): device -> host, waits for the stream.
Napi::Value Download(const Napi::CallbackInfo& info) {
  size_t bytes = 0;
  void* dst = host_view(info, 1, "dst", &bytes);
  void* src = ptr_arg(info, 0, "ptr", bytes);
  cu::copy_to_host(dst, src, bytes);
  return info.Env().Undefined();
}

// downloadAsync(ptr, hostArray) -> Promise. The copy is queued now, in stream order, into pinned
// staging memory (a true asynchronous copy: kernels queued later cannot change what it reads);
// a worker thread waits for it and moves the bytes into the host array.
class DownloadWorker : public Napi::AsyncWorker {
 public:
  DownloadWorker(Napi::Env env, Napi::Object host, void* dst, void* staging, cudaEvent_t done, size_t bytes)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), dst_(dst), staging_(staging),
        done_(done), bytes_(bytes) {
    host_ = Napi::Persistent(host);  // keeps the destination alive until the copy is done
  }
  ~DownloadWorker() override {
    cudaEventDestroy(done_);
    cudaFreeHost(staging_);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    const cudaError_t e = cudaEventSynchronize(done_);
    if (e != cudaSuccess) {
      SetError(std::string("CUDA error in downloadAsync: ") + cudaGetErrorName(e) + ": " + cudaGetErrorString(e));
      return;
    }
    std::memcpy(dst_, staging_, bytes_);
  }
  void OnOK() override { deferred_.Resolve(host_.Value()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference host_;
  void* dst_;
  void* staging_;
  cudaEvent_t done_;
  size_t bytes_;
};

Napi::Value DownloadAsync(const Napi::CallbackInfo& info) {
  size_t bytes = 0;
  void* dst = host_view(info, 1, "dst", &bytes);
  void* src = ptr_arg(info, 0, "ptr", bytes);
  void* staging = nullptr;
  cu::check(cudaMallocHost(&staging, bytes ? bytes : 1), "cudaMallocHost");
  cudaEvent_t done = nullptr;
  cudaError_t e = cudaEventCreateWithFlags(&done, cudaEventDisableTiming);
  if (e == cudaSuccess && bytes) e = cudaMemcpyAsync(staging, src, bytes, cudaMemcpyDeviceToHost, cu::stream());
  if (e == cudaSuccess) e = cudaEventRecord(done, cu::stream());
  if (e != cudaSuccess) {
    if (done) cudaEventDestroy(done);
    cudaFreeHost(staging);
    cu::check(e, "downloadAsync");
  }
  auto* w = new DownloadWorker(info.Env(), info[1].As<Napi::Object>(), dst, staging, done, bytes);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// copyDevice(dstPtr, srcPtr, bytes)
Napi::Value CopyDevice(const Napi::CallbackInfo& info) {
  const int64_t bytes = int_arg(info, 2, "bytes", 0);
  void* dst = ptr_arg(info, 0, "dst", static_cast<size_t>(bytes));
  void* src = ptr_arg(info, 1, "src", static_cast<size_t>(bytes));
  cu::copy_device(dst, src, static_cast<size_t>(bytes));
  return info.Env().Undefined();
}

Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  cu::synchronize();
  return info.Env().Undefined();
}

Napi::Value MemoryStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const cu::AllocStats s = cu::alloc_stats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("bytesInUse", Napi::Number::New(env, static_cast<double>(s.bytes_in_use)));
  o.Set("bytesCached", Napi::Number::New(env, static_cast<double>(s.bytes_cached)));
  o.Set("peakBytesInUse", Napi::Number::New(env, static_cast<double>(s.peak_bytes_in_use)));
  o.Set("deviceAllocations", Napi::Number::New(env, static_cast<double>(s.device_allocations)));
  o.Set("cacheHits", Napi::Number::New(env, static_cast<double>(s.cache_hits)));
  o.Set("liveBlocks", Napi::Number::New(env, static_cast<double>(s.live_blocks)));
  return o;
}

Napi::Value Trim(const Napi::CallbackInfo& info) {
  cu::trim();
  return info.Env().Undefined();
}

constexpr const char* kPrecisions[] = {"fp32", "tf32", "bf16"};

Napi::Value SetGemmPrecision(const Napi::CallbackInfo& info) {
  const std::string p = str_arg(info, 0, "precision");
  for (int k = 0; k < 3; k++) {
    if (p == kPrecisions[k]) {
      cu::set_gemm_precision(static_cast<cu::GemmPrecision>(k));
      return info.Env().Undefined();
    }
  }
  throw Napi::RangeError::New(info.Env(), expected_msg("\"fp32\", \"tf32\" or \"bf16\"", "precision", describe_value(info[0])));
}

Napi::Value GetGemmPrecision(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), kPrecisions[static_cast<int>(cu::gemm_precision())]);
}

Napi::Value GemmKernel(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), cu::gemm_kernel_name()); }

// gemmBf16(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc): A and B are device
// buffers of dtype "bfloat16" (raw bf16 bits), C float32.
Napi::Value GemmBf16(const Napi::CallbackInfo& info) {
  const bool ta = bool_arg(info, 0, "transA"), tb = bool_arg(info, 1, "transB");
  const int64_t M = size_arg(info, 2, "M"), N = size_arg(info, 3, "N"), K = size_arg(info, 4, "K");
  const float alpha = fnum(info, 5, "alpha");
  const int64_t lda = size_arg(info, 7, "lda"), ldb = size_arg(info, 9, "ldb");
  const float beta = fnum(info, 10, "beta");
  const int64_t ldc = size_arg(info, 12, "ldc");
  const int64_t ar = ta ? K : M, ac = ta ? M : K, br = tb ? N : K, bc = tb ? K : N;
  if (lda < ac || ldb < bc || ldc < N) {
    throw Napi::RangeError::New(info.Env(), "Expected leading dimensions >= the row lengths for lda, ldb, ldc but received " +
                                                std::to_string(lda) + ", " + std::to_string(ldb) + ", " + std::to_string(ldc));
  }
  size_t la = 0, lb = 0, lc = 0;
  auto* A = static_cast<const uint16_t*>(device_arg(info, 6, "A", "bfloat16", 2, &la));
  auto* B = static_cast<const uint16_t*>(device_arg(info, 8, "B", "bfloat16", 2, &lb));
  auto* C = static_cast<float*>(device_arg(info, 11, "C", "float32", 4, &lc));
  auto need = [](int64_t rows, int64_t cols, int64_t ld) { return rows == 0 ? 0 : static_cast<size_t>((rows - 1) * ld + cols); };
  if (la < need(ar, ac, lda) || lb < need(br, bc, ldb) || lc < need(M, N, ldc)) {
    throw Napi::RangeError::New(info.Env(), "Expected buffers large enough for the GEMM shapes for A, B, C but received lengths " +
                                                std::to_string(la) + ", " + std::to_string(lb) + ", " + std::to_string(lc));
  }
  cu::gemm_bf16(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, nullptr, ng::ops::LinearAct::none);
  return info.Env().Undefined();
}

}  // namespace

NG_BINDING(cuda_runtime) {
  exports.Set("available", Napi::Function::New(env, Available, "available"));
  exports.Set("init", Napi::Function::New(env, Init, "init"));
  exports.Set("deviceInfo", Napi::Function::New(env, DeviceInfo, "deviceInfo"));
  exports.Set("alloc", Napi::Function::New(env, Alloc, "alloc"));
  exports.Set("free", Napi::Function::New(env, Free, "free"));
  exports.Set("upload", Napi::Function::New(env, Upload, "upload"));
  exports.Set("download", Napi::Function::New(env, Download, "download"));
  exports.Set("downloadAsync", Napi::Function::New(env, DownloadAsync, "downloadAsync"));
  exports.Set("copyDevice", Napi::Function::New(env, CopyDevice, "copyDevice"));
  exports.Set("synchronize", Napi::Function::New(env, Synchronize, "synchronize"));
  exports.Set("memoryStats", Napi::Function::New(env, MemoryStats, "memoryStats"));
  exports.Set("trim", Napi::Function::New(env, Trim, "trim"));
  exports.Set("setGemmPrecision", Napi::Function::New(env, SetGemmPrecision, "setGemmPrecision"));
  exports.Set("getGemmPrecision", Napi::Function::New(env, GetGemmPrecision, "getGemmPrecision"));
  exports.Set("gemmKernel", Napi::Function::New(env, GemmKernel, "gemmKernel"));
  exports.Set("gemmBf16", Napi::Function::New(env, GemmBf16, "gemmBf16"));
}

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  ng::binding::register_all(env, exports);
  return exports;
}

NODE_API_MODULE(nodegrad_cuda, InitModule)
