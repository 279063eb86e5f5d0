// Binding registry: each native/binding/*.cc file registers the functions it exports with
//   NG_BINDING(name) { exports.Set("fn", Napi::Function::New(env, Fn, "fn")); }
// and module.cc calls every registered block at module init (once per Node environment, so the
// addon stays context-aware: no static JS handles anywhere).
#pragma once
#include <napi.h>

namespace ng::binding {

using RegisterFn = void (*)(Napi::Env env, Napi::Object exports);

// Adds a registration function; called from static initializers (NG_BINDING).
bool add_registration(const char* name, RegisterFn fn);
// Runs every registration in order of names (deterministic).
void register_all(Napi::Env env, Napi::Object exports);

}  // namespace ng::binding

#define NG_BINDING(name)                                                              \
  static void ng_binding_register_##name(Napi::Env env, Napi::Object exports);       \
  static const bool ng_binding_registered_##name =                                    \
      ng::binding::add_registration(#name, &ng_binding_register_##name);              \
  static void ng_binding_register_##name(Napi::Env env, Napi::Object exports)
