// The backend seam. A backend is a table of kernels indexed by op (native/ops/op_table.h) plus
// its memory functions. The bindings (native/binding/ops.cc) export one function object per
// backend and op, and every call dispatches through the backend's table, so a new backend
// (CUDA) adds one table file that calls NG_REGISTER_BACKEND and touches no binding file.
// The TypeScript side picks the backend by the tensors' device (lib/native.ts).
#pragma once
#include <cstddef>
#include <type_traits>
#include <vector>

#include "ops/kinds.h"

namespace ng::backend {

using ops::Kind;
using ops::Op;

using KernelFn = void (*)();  // the type-erased entry; set_kernel checks the real type

struct Backend {
  const char* name;                  // the device name JavaScript uses ("cpu")
  KernelFn kernels[ops::kOpCount];   // null: not implemented (calling it throws in JS)
  void* (*alloc)(size_t bytes);      // device memory (throws std::bad_alloc / length_error)
  void (*free)(void* p, size_t bytes);
  void (*copy)(void* dst, const void* src, size_t bytes);
};

// Stores the kernel for op O; it must have exactly the kernel type of O's kind.
template <Op O>
void set_kernel(Backend& b, typename ops::KindFn<ops::kind_of(O)>::type fn) {
  b.kernels[static_cast<int>(O)] = reinterpret_cast<KernelFn>(fn);
}

// The kernel of op O (null when the backend lacks it), with its kind's type.
template <Kind K>
typename ops::KindFn<K>::type get_kernel(const Backend& b, Op op) {
  return reinterpret_cast<typename ops::KindFn<K>::type>(b.kernels[static_cast<int>(op)]);
}

// Registered backends, sorted by name. Registration happens in static initializers.
bool register_backend(const Backend* b);
const std::vector<const Backend*>& backends();

}  // namespace ng::backend

#define NG_REGISTER_BACKEND(id, make)                                   \
  static const bool ng_backend_registered_##id =                        \
      ng::backend::register_backend(make())
