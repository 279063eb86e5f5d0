// Addon entry: only registers exports (every binding file adds itself via NG_BINDING).
#include <napi.h>

#include "binding/registry.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ng::binding::register_all(env, exports);
  return exports;
}

NODE_API_MODULE(nodegrad, Init)
