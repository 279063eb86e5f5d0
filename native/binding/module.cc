// Addon entry: sets the float mode (denormals flushed), tunes glibc malloc once per process
// (core/malloc_tuning.h) and registers exports (every binding file adds itself via NG_BINDING).
#include <napi.h>

#include "binding/registry.h"
#include "core/malloc_tuning.h"
#include "core/threads.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ng::flush_denormals_all_threads();
  ng::tune_malloc();
  ng::binding::register_all(env, exports);
  return exports;
}

NODE_API_MODULE(nodegrad, Init)
