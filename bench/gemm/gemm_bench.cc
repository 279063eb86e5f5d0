// Times nodegrad's sgemm or OpenBLAS's cblas_sgemm (one library per process) over the benchmark
// shapes, plus an FMA peak probe. Built and driven by bench/gemm/run.mjs, which alternates
// processes: nodegrad, OpenBLAS forced to SkylakeX, OpenBLAS as shipped, repeated in rounds.
// One library per process keeps one library's idle worker threads (OpenBLAS spins for up to
// ~0.1 s after a call) from stealing the other's cores; OPENBLAS_CORETYPE is read at load.
//   gemm_bench --lib nodegrad|openblas [--quick] [--threads 1,2] [--only squares|mlp] [--peak]
// Timing per shape: warm-up, then 5 blocks of ~0.1 s (quick: 3 of ~10 ms); median block.
// Output: one JSON object per line ({"kind":"peak",...} and {"kind":"gemm",...}).
#include <cblas.h>
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "cpu/gemm/gemm.h"

extern "C" void openblas_set_num_threads(int);

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// ---- FMA peak probe: 24 independent accumulator chains per thread -------------------------
__attribute__((target("avx512f,fma"))) double fma_probe_avx512(int64_t iters) {
  __m512 acc[24];
  for (int i = 0; i < 24; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i) * 1e-3f);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 24
    for (int i = 0; i < 24; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 24; ++i) s = _mm512_add_ps(s, acc[i]);
  float out[16];
  _mm512_storeu_ps(out, s);
  return out[0];
}

__attribute__((target("avx2,fma"))) double fma_probe_avx2(int64_t iters) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i) * 1e-3f);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0];
}

// GFLOP/s of `threads` threads each running the probe (median of 5).
double peak(int threads, bool avx512) {
  const int64_t iters = 4000000;
  const double flops_per_thread = avx512 ? 24.0 * 32.0 * iters : 12.0 * 16.0 * iters;
  std::vector<double> r;
  volatile double sink = 0;
  for (int rep = 0; rep < 5; ++rep) {
    double t0 = now();
#pragma omp parallel num_threads(threads)
    {
      double s = avx512 ? fma_probe_avx512(iters) : fma_probe_avx2(iters);
#pragma omp atomic
      sink += s;
    }
    r.push_back(flops_per_thread * threads / (now() - t0) / 1e9);
  }
  std::sort(r.begin(), r.end());
  return r[r.size() / 2];
}

// ---- GEMM timing ---------------------------------------------------------------------------
struct Shape {
  std::string group, name;
  bool ta, tb;
  int64_t M, N, K;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct Timing {
  double block_seconds = 0.1;  // target time per library per block
  int blocks = 5;
  int min_reps = 3;
};

enum class Lib { nodegrad, openblas };

void run_shape(const Shape& s, int threads, const Timing& tm, Lib lib) {
  const int64_t ar = s.ta ? s.K : s.M, ac = s.ta ? s.M : s.K;
  const int64_t br = s.tb ? s.N : s.K, bc = s.tb ? s.K : s.N;
  std::vector<float> A(ar * ac), B(br * bc), C(s.M * s.N);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  for (auto& x : A) x = u(rng);
  for (auto& x : B) x = u(rng);
  omp_set_num_threads(threads);
  openblas_set_num_threads(threads);
  auto call = [&] {
    if (lib == Lib::nodegrad) {
      ng::cpu::sgemm(s.ta, s.tb, s.M, s.N, s.K, 1.0f, A.data(), ac, B.data(), bc, 0.0f, C.data(), s.N);
    } else {
      cblas_sgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans, s.tb ? CblasTrans : CblasNoTrans,
                  s.M, s.N, s.K, 1.0f, A.data(), ac, B.data(), bc, 0.0f, C.data(), s.N);
    }
  };
  // Warm up (packing buffers, thread pool, page faults), then size the repetitions so that a
  // block takes about block_seconds (at least min_reps calls).
  call();
  double t0 = now();
  call();
  const double per_call = std::max(1e-7, now() - t0);
  const int reps = static_cast<int>(std::clamp(tm.block_seconds / per_call, double(tm.min_reps), 1000.0));
  std::vector<double> times;
  for (int b = 0; b < tm.blocks; ++b) {
    const double s0 = now();
    for (int r = 0; r < reps; ++r) call();
    times.push_back((now() - s0) / reps);
  }
  // Checksum against a fixed reference element so that a broken build shows up in the output.
  double sum = 0;
  for (int64_t i = 0; i < std::min<int64_t>(s.M * s.N, 4096); ++i) sum += C[i];
  const double flop = 2.0 * s.M * s.N * s.K;
  std::printf(
      "{\"kind\":\"gemm\",\"lib\":\"%s\",\"group\":\"%s\",\"name\":\"%s\",\"ta\":%d,\"tb\":%d,"
      "\"M\":%lld,\"N\":%lld,\"K\":%lld,\"threads\":%d,\"reps\":%d,\"gflops\":%.3f,\"checksum\":%.6g}\n",
      lib == Lib::nodegrad ? "nodegrad" : "openblas", s.group.c_str(), s.name.c_str(), s.ta, s.tb,
      static_cast<long long>(s.M), static_cast<long long>(s.N), static_cast<long long>(s.K), threads,
      reps * tm.blocks, flop / median(times) / 1e9, sum);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false, peak_only = false, with_peak = false;
  Lib lib = Lib::nodegrad;
  Timing tm;
  std::string only, threads_arg = "1,2";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--peak-only")) peak_only = true;
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads_arg = argv[++i];
    else if (!std::strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
    else if (!std::strcmp(argv[i], "--peak")) with_peak = true;
    else if (!std::strcmp(argv[i], "--lib") && i + 1 < argc) lib = !std::strcmp(argv[++i], "openblas") ? Lib::openblas : Lib::nodegrad;
  }
  if (quick) tm = Timing{0.01, 3, 1};
  if (peak_only) with_peak = true;
  std::vector<int> threads;
  for (const char* p = threads_arg.c_str(); *p;) {
    threads.push_back(std::atoi(p));
    while (*p && *p != ',') ++p;
    if (*p == ',') ++p;
  }
  const bool avx512 = ng::detect_isa() == ng::Isa::avx512;
  const bool have_avx2 = ng::detect_isa() != ng::Isa::generic;
  std::printf("{\"kind\":\"info\",\"isa\":\"%s\",\"kernel\":\"%s\",\"openblas_coretype\":\"%s\",\"openblas_config\":\"%s\"}\n",
              ng::isa_name(ng::active_isa()), ng::cpu::sgemm_kernel_name(),
              openblas_get_corename(), openblas_get_config());
  if (have_avx2 && with_peak) {
    for (int t : threads)
      std::printf("{\"kind\":\"peak\",\"threads\":%d,\"isa\":\"%s\",\"gflops\":%.2f}\n", t,
                  avx512 ? "avx512" : "avx2", peak(t, avx512));
  }
  std::fflush(stdout);
  if (peak_only) return 0;

  std::vector<Shape> shapes;
  if (only.empty() || only == "squares") {
    for (int64_t n : {128, 256, 512, 1024, 2048, 4096}) {
      if (quick && n > 2048) continue;
      shapes.push_back({"square", std::to_string(n), false, false, n, n, n});
    }
  }
  if (only.empty() || only == "mlp") {
    const int64_t layers[3][2] = {{784, 512}, {512, 256}, {256, 10}};
    for (int64_t b : {32, 128, 512})
      for (auto& l : layers) {
        const int64_t in = l[0], out = l[1];
        const std::string tag = std::to_string(b) + "x" + std::to_string(in) + "x" + std::to_string(out);
        // forward Y = X W (X: B x in, W: in x out); dW = X^T dY; dX = dY W^T
        shapes.push_back({"mlp-fwd", "Y=X*W " + tag, false, false, b, out, in});
        shapes.push_back({"mlp-bwd", "dW=X^T*dY " + tag, true, false, in, out, b});
        shapes.push_back({"mlp-bwd", "dX=dY*W^T " + tag, false, true, b, in, out});
      }
  }
  for (int t : threads)
    for (const Shape& s : shapes) run_shape(s, t, tm, lib);
  return 0;
}
