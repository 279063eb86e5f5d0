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

void finalize_raw(napi_env env, void* data, void* hint) {
  finalize_block(Napi::Env(env), data, static_cast<Block*>(hint));
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
  // The raw N-API call, not Napi::ArrayBuffer::New: when Node cannot wrap the memory (Node 20:
  // over buffer.constants.MAX_LENGTH, 4 GiB) it runs the finalizer at once and fails, and
  // node-addon-api then deleted its finalizer data a second time (a double free, found by
  // allocating an 8 GB tensor). Whether the finalizer ran is read from the block table.
  napi_value ab;
  napi_status st = napi_create_external_arraybuffer(env, p, static_cast<size_t>(bytes), finalize_raw, b, &ab);
  if (st == napi_ok) return Napi::Value(env, ab);
  {
    std::lock_guard<std::mutex> lock(g_blocks_mu);
    auto it = blocks().find(p);
    if (it != blocks().end()) {  // the finalizer did not run: release here
      blocks().erase(it);
      ng::free_bytes(p, n);
      delete b;
    }
  }
  std::string why = "Node could not create an ArrayBuffer that large";
  napi_value pending;
  bool is_pending = false;
  if (napi_is_exception_pending(env, &is_pending) == napi_ok && is_pending &&
      napi_get_and_clear_last_exception(env, &pending) == napi_ok) {
    Napi::Value e(env, pending);
    if (e.IsObject()) why = e.As<Napi::Object>().Get("message").ToString().Utf8Value();
  }
  throw Napi::RangeError::New(env, "Cannot allocate " + std::to_string(bytes) + " bytes as one buffer: " + why);
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
  exports.Set("memoryStats", Napi::Function::New(env, MemoryStats, "memoryStats"));
  exports.Set("poolTrim", Napi::Function::New(env, PoolTrim, "poolTrim"));
  exports.Set("setMaxAllocation", Napi::Function::New(env, SetMaxAllocation, "setMaxAllocation"));
  exports.Set("bucketSize", Napi::Function::New(env, BucketSize, "bucketSize"));
}
