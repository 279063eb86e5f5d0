// Tensor storage: 64-byte aligned native blocks exposed to JS as external ArrayBuffers.
// allocBuffer(bytes) -> ArrayBuffer; freeBuffer(ab) frees at once and detaches it, so a stale
// view reads as empty instead of touching freed memory. GC finalization frees buffers that
// were never freed explicitly (the safety net).
#include <napi.h>

#include <mutex>
#include <new>
#include <stdexcept>
#include <unordered_map>

#include "binding/args.h"
#include "binding/registry.h"
#include "core/alloc.h"

namespace {

struct Block {
  void* ptr;
  size_t bytes;
  bool freed;
};

std::mutex g_blocks_mu;
std::unordered_map<void*, Block*>& blocks() {
  static auto* m = new std::unordered_map<void*, Block*>();
  return *m;
}

void finalize_block(Napi::Env, void*, Block* b) {
  {
    std::lock_guard<std::mutex> lock(g_blocks_mu);
    if (!b->freed) {
      blocks().erase(b->ptr);
      ng::free_bytes(b->ptr, b->bytes);
      b->freed = true;
    }
  }
  delete b;
}

Napi::Value AllocBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t bytes = ng::binding::int_arg(info, 0, "bytes", 0);
  void* p = nullptr;
  size_t n = static_cast<size_t>(bytes) ? static_cast<size_t>(bytes) : 64;
  try {
    p = ng::alloc_bytes(n);
  } catch (const std::length_error& e) {
    throw Napi::RangeError::New(env, e.what());
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, "Cannot allocate " + std::to_string(bytes) +
                                         " bytes: the system is out of memory");
  }
  auto* b = new Block{p, n, false};
  {
    std::lock_guard<std::mutex> lock(g_blocks_mu);
    blocks()[p] = b;
  }
  return Napi::ArrayBuffer::New(env, p, static_cast<size_t>(bytes), finalize_block, b);
}

Napi::Value FreeBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer()) {
    throw Napi::TypeError::New(env, ng::binding::expected_msg("ArrayBuffer", "buffer",
                                                              ng::binding::describe_value(info[0])));
  }
  auto ab = info[0].As<Napi::ArrayBuffer>();
  if (ab.IsDetached()) return Napi::Boolean::New(env, false);
  void* p = ab.Data();
  {
    std::lock_guard<std::mutex> lock(g_blocks_mu);
    auto it = blocks().find(p);
    if (it == blocks().end()) {
      throw Napi::TypeError::New(env, ng::binding::expected_msg("buffer allocated by nodegrad", "buffer",
                                                                "a foreign ArrayBuffer"));
    }
    Block* b = it->second;
    blocks().erase(it);
    ng::free_bytes(b->ptr, b->bytes);
    b->freed = true;  // the finalizer still runs later and deletes b
  }
  ab.Detach();
  return Napi::Boolean::New(env, true);
}

// alignmentPadding(ab, align) -> bytes to skip from the start of ab so that the address is a
// multiple of align (a power of two). Tensor storage asks once per ArrayBuffer it creates.
Napi::Value AlignmentPadding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer()) {
    throw Napi::TypeError::New(env, ng::binding::expected_msg("ArrayBuffer", "buffer",
                                                              ng::binding::describe_value(info[0])));
  }
  int64_t align = ng::binding::int_arg(info, 1, "align", 1);
  if ((align & (align - 1)) != 0 || align > 4096) {
    throw Napi::RangeError::New(env, ng::binding::expected_msg("power of two up to 4096", "align",
                                                               std::to_string(align)));
  }
  auto ab = info[0].As<Napi::ArrayBuffer>();
  uintptr_t addr = reinterpret_cast<uintptr_t>(ab.Data());
  uintptr_t pad = (static_cast<uintptr_t>(align) - (addr & static_cast<uintptr_t>(align - 1))) &
                  static_cast<uintptr_t>(align - 1);
  return Napi::Number::New(env, static_cast<double>(pad));
}

Napi::Value MemoryStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ng::MemoryStats s = ng::memory_stats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("bytesLive", Napi::Number::New(env, static_cast<double>(s.bytes_live)));
  o.Set("bytesPooled", Napi::Number::New(env, static_cast<double>(s.bytes_pooled)));
  o.Set("allocations", Napi::Number::New(env, static_cast<double>(s.allocations)));
  o.Set("poolHits", Napi::Number::New(env, static_cast<double>(s.pool_hits)));
  o.Set("maxAllocation", Napi::Number::New(env, static_cast<double>(s.max_allocation)));
  return o;
}

Napi::Value PoolTrim(const Napi::CallbackInfo& info) {
  ng::pool_trim();
  return info.Env().Undefined();
}

Napi::Value SetMaxAllocation(const Napi::CallbackInfo& info) {
  ng::set_max_allocation(static_cast<uint64_t>(ng::binding::int_arg(info, 0, "bytes", 1)));
  return info.Env().Undefined();
}

Napi::Value BucketSize(const Napi::CallbackInfo& info) {
  int64_t bytes = ng::binding::int_arg(info, 0, "bytes", 0);
  return Napi::Number::New(info.Env(), static_cast<double>(ng::bucket_size(static_cast<size_t>(bytes))));
}

}  // namespace

NG_BINDING(memory) {
  exports.Set("allocBuffer", Napi::Function::New(env, AllocBuffer, "allocBuffer"));
  exports.Set("freeBuffer", Napi::Function::New(env, FreeBuffer, "freeBuffer"));
  exports.Set("alignmentPadding", Napi::Function::New(env, AlignmentPadding, "alignmentPadding"));
  exports.Set("memoryStats", Napi::Function::New(env, MemoryStats, "memoryStats"));
  exports.Set("poolTrim", Napi::Function::New(env, PoolTrim, "poolTrim"));
  exports.Set("setMaxAllocation", Napi::Function::New(env, SetMaxAllocation, "setMaxAllocation"));
  exports.Set("bucketSize", Napi::Function::New(env, BucketSize, "bucketSize"));
}
