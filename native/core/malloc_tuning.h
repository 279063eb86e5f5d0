// glibc malloc tuned at addon load to keep freed memory in the process.
//
// Why: a PyTorch-style loop (no ng.tidy, only the loss disposed) leaves some tensors of every
// step to V8's garbage collector, which frees their storage (a 256 KiB slab of small blocks or a
// buffer of its own, lib/tensor/storage.ts) with free(). With glibc's defaults, free memory above
// the heap's top past the trim threshold (a few hundred KiB after its dynamic adjustment) goes
// back to the kernel, and the next storage takes fresh pages: a page fault per 4 KiB (about 10 us
// on the VMs the benchmarks ran on, a tiny network's whole step). Tuned, blocks below 32 MiB
// come from the heap and up to 64 MiB of free heap is kept: the values glibc's own dynamic
// thresholds reach once a 32 MiB block has been freed (its maxima on 64-bit), set from the start.
//
// Not applied (and left as the user set it) when any of MALLOC_MMAP_THRESHOLD_,
// MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_ or GLIBC_TUNABLES is set, or NODEGRAD_MALLOC_TUNING=0;
// not on other C libraries (musl, macOS, Windows).
#pragma once
#include <string>

namespace ng {

// Applies the tuning once per process (later calls return the first result): a description,
// "glibc malloc: ..." when applied, else why not.
const std::string& tune_malloc();

}  // namespace ng
