#include "core/malloc_tuning.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ng {

namespace {

constexpr int kMmapThreshold = 32 << 20;  // glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit
constexpr int kTrimThreshold = 64 << 20;  // twice that, as glibc's dynamic adjustment sets it

std::string apply() {
#if defined(__GLIBC__)
  if (const char* off = std::getenv("NODEGRAD_MALLOC_TUNING"); off && std::strcmp(off, "0") == 0) {
    return "off: NODEGRAD_MALLOC_TUNING=0";
  }
  for (const char* var : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES"}) {
    if (std::getenv(var)) return std::string("off: ") + var + " is set";
  }
  if (mallopt(M_MMAP_THRESHOLD, kMmapThreshold) != 1 || mallopt(M_TRIM_THRESHOLD, kTrimThreshold) != 1) {
    return "off: mallopt refused the thresholds";
  }
  return "glibc malloc: mmap threshold 32 MiB, trim threshold 64 MiB";
#else
  return "off: not glibc";
#endif
}

}  // namespace

const std::string& tune_malloc() {
  static const std::string result = apply();  // once per process (thread-safe static)
  return result;
}

}  // namespace ng
