// Included FIRST by every native/cpu/ops/*.cc file (before any other header, so that inline
// library functions get the same options and still inline).
// FP selects such as `x > 0 ? x : slope * x` only vectorize when gcc may evaluate both arms,
// which -ftrapping-math (the default) forbids. Values are unchanged (no reassociation, unlike
// -ffast-math); only FP exception flags, which nothing here reads, may differ.
#pragma once
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
