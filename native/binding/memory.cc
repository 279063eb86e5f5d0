// Memory glue: the native scratch pool's stats and limits, and the alignment query tensor
// storage makes for each V8 ArrayBuffer it creates (lib/tensor/storage.ts owns tensor memory).
#include <napi.h>

#include <cstdint>
#include <string>

#include "binding/args.h"
#include "binding/registry.h"
#include "core/alloc.h"

namespace {

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

}  // namespace

NG_BINDING(memory) {
  exports.Set("alignmentPadding", Napi::Function::New(env, AlignmentPadding, "alignmentPadding"));
  exports.Set("memoryStats", Napi::Function::New(env, MemoryStats, "memoryStats"));
  exports.Set("poolTrim", Napi::Function::New(env, PoolTrim, "poolTrim"));
  exports.Set("setMaxAllocation", Napi::Function::New(env, SetMaxAllocation, "setMaxAllocation"));
}
