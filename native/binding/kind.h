// Shared by the kind helpers (kind_*.cc): each JS op function carries an OpCall (which op,
// which backend, the row's param names) as its N-API data; the helper of the op's kind unwraps
// and checks the arguments, fetches the kernel from the backend's table and calls it.
//
// Validation contract (docs/ARCHITECTURE.md): the TypeScript layer checks shapes, dtypes and
// value ranges once per call. These helpers only check what protects memory and the process:
// argument types, buffer lengths against the sizes given, enum codes, and indices the binding
// scans anyway (gather, embedding, labels in a loss forward). They throw, never abort.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "backend/backend.h"
#include "binding/args.h"
#include "binding/capture.h"

namespace ng::binding {

struct OpCall {
  ops::Op op;
  const backend::Backend* backend;
  std::vector<std::string> params;  // the row's params, split at commas
  const char* param(size_t i) const { return i < params.size() ? params[i].c_str() : "?"; }
};

inline const OpCall& op_call(const Napi::CallbackInfo& info) { return *static_cast<const OpCall*>(info.Data()); }

// The kernel of the called op on its backend, with the kind's type (called like the kernel;
// recorded when a capture is in progress, see capture.h).
template <ops::Kind K>
capture::Kernel<K> kernel(const Napi::CallbackInfo& info) {
  const OpCall& c = op_call(info);
  return {backend::get_kernel<K>(*c.backend, c.op), c.op};
}

// Attribute arguments: params[first..] read from info[at..] as numbers (any number: ranges are
// the TypeScript layer's job). At most kMaxAttrs.
constexpr size_t kMaxAttrs = 4;
struct Attrs {
  double v[kMaxAttrs] = {0, 0, 0, 0};
};
Attrs attrs_arg(const Napi::CallbackInfo& info, size_t at, size_t first);

// One helper per kind (defined in kind_*.cc).
#define NG_KIND_DECL(k) Napi::Value kind_##k(const Napi::CallbackInfo& info);
NG_KIND_LIST(NG_KIND_DECL)
#undef NG_KIND_DECL

}  // namespace ng::binding
