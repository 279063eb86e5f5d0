// Op registration, generated from the op table: exports.backends.<device>.<op> for every
// registered backend (native/backend/backend.h) and every op row (native/ops/op_table.h); each
// function is its kind's helper with an OpCall as data. An op a backend lacks gets a function
// that throws. exports.opTable() lists the rows and exports.codes the shared enumerations, so
// the TypeScript interface (lib/native.ts) can be checked against them.
#include <napi.h>

#include <memory>
#include <mutex>

#include "binding/kind.h"
#include "binding/registry.h"

namespace ng::binding {

namespace {

using ops::kOpCount;
using ops::kOps;

constexpr Napi::Value (*kKindHelpers[])(const Napi::CallbackInfo&) = {
#define NG_KIND_HELPER(k) &kind_##k,
    NG_KIND_LIST(NG_KIND_HELPER)
#undef NG_KIND_HELPER
};
static_assert(sizeof(kKindHelpers) / sizeof(kKindHelpers[0]) == ops::kKindCount, "one helper per kind");

std::vector<std::string> split_params(const char* s) {
  std::vector<std::string> out;
  std::string cur;
  for (const char* p = s; *p; p++) {
    if (*p == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += *p;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// OpCalls live for the process (N-API function data must outlive every environment).
const std::vector<OpCall>& op_calls(const backend::Backend* be) {
  static std::mutex mu;
  static auto* all = new std::vector<std::pair<const backend::Backend*, std::unique_ptr<std::vector<OpCall>>>>();
  std::lock_guard<std::mutex> lock(mu);
  for (auto& e : *all) if (e.first == be) return *e.second;
  auto calls = std::make_unique<std::vector<OpCall>>();
  for (int i = 0; i < kOpCount; i++) calls->push_back({static_cast<ops::Op>(i), be, split_params(kOps[i].params)});
  all->emplace_back(be, std::move(calls));
  return *all->back().second;
}

Napi::Value NotImplemented(const Napi::CallbackInfo& info) {
  const OpCall& c = op_call(info);
  throw Napi::Error::New(info.Env(), std::string("Op ") + kOps[static_cast<int>(c.op)].name +
                                         " is not implemented on device " + c.backend->name);
}

Napi::Array names_array(Napi::Env env, const char* const* names, size_t n) {
  Napi::Array a = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; i++) a.Set(static_cast<uint32_t>(i), Napi::String::New(env, names[i]));
  return a;
}

// opTable() -> [{ name, kind, params, devices: [...] }] in table order.
Napi::Value OpTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array rows = Napi::Array::New(env, kOpCount);
  for (int i = 0; i < kOpCount; i++) {
    Napi::Object r = Napi::Object::New(env);
    r.Set("name", kOps[i].name);
    r.Set("kind", ops::kKindNames[static_cast<int>(kOps[i].kind)]);
    r.Set("params", kOps[i].params);
    Napi::Array devices = Napi::Array::New(env);
    for (const backend::Backend* be : backend::backends()) {
      if (be->kernels[i]) devices.Set(devices.Length(), Napi::String::New(env, be->name));
    }
    r.Set("devices", devices);
    rows.Set(static_cast<uint32_t>(i), r);
  }
  return rows;
}

}  // namespace

}  // namespace ng::binding

NG_BINDING(ops) {
  using namespace ng::binding;
  Napi::Object all = Napi::Object::New(env);
  for (const ng::backend::Backend* be : ng::backend::backends()) {
    Napi::Object fns = Napi::Object::New(env);
    const std::vector<OpCall>& calls = op_calls(be);
    for (int i = 0; i < kOpCount; i++) {
      void* data = const_cast<OpCall*>(&calls[i]);
      auto helper = be->kernels[i] ? kKindHelpers[static_cast<int>(kOps[i].kind)] : &NotImplemented;
      fns.Set(kOps[i].name, Napi::Function::New(env, helper, kOps[i].name, data));
    }
    all.Set(be->name, fns);
  }
  exports.Set("backends", all);
  exports.Set("opTable", Napi::Function::New(env, OpTable, "opTable"));
  Napi::Object codes = Napi::Object::New(env);
  codes.Set("reduction", names_array(env, ng::ops::kReductionNames, 4));
  codes.Set("linearAct", names_array(env, ng::ops::kLinearActNames, ng::ops::kLinearActCount));
  codes.Set("compare", names_array(env, ng::ops::kCompareNames, ng::ops::kCompareCount));
  exports.Set("codes", codes);
}
