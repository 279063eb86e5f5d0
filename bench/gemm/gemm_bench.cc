// Times nodegrad's sgemm and/or OpenBLAS's cblas_sgemm over the benchmark shapes, plus an FMA
// peak probe. Built and driven by bench/gemm/run.mjs. OPENBLAS_CORETYPE is read at load, so
// each OpenBLAS setting needs its own process.
//   gemm_bench --lib both|nodegrad|openblas [--quick] [--threads 1,2] [--only squares|mlp]
//              [--peak | --peak-only]
// --lib both interleaves the libraries block by block in one process (fair at 1 thread). At 2
// threads run one library per process and alternate processes: OpenBLAS's idle workers spin
// for up to ~0.1 s after each call and would steal the other library's cores.
// Timing per shape: warm-up, then 5 blocks of ~0.1 s (quick: 3 of ~10 ms); median block.
// Where the CPU has AVX512_BF16, nodegrad's bf16 GEMM (precision bf16: bf16 inputs, fp32
// accumulation) is timed in the same blocks as its fp32 GEMM ("nodegrad_bf16_gflops"; -1 if not).
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

enum class Lib { nodegrad, openblas, both };

// Times one shape. Lib::both interleaves the two libraries block by block in this process
// (used at 1 thread, where neither library has worker threads that could disturb the other).
void run_shape(const Shape& s, int threads, const Timing& tm, Lib lib) {
  const int64_t ar = s.ta ? s.K : s.M, ac = s.ta ? s.M : s.K;
  const int64_t br = s.tb ? s.N : s.K, bc = s.tb ? s.K : s.N;
  std::vector<float> A(ar * ac), B(br * bc), C1(s.M * s.N), C2(s.M * s.N);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  for (auto& x : A) x = u(rng);
  for (auto& x : B) x = u(rng);
  omp_set_num_threads(threads);
  if (lib != Lib::nodegrad) openblas_set_num_threads(threads);
  auto ng_call = [&] {
    ng::cpu::sgemm(s.ta, s.tb, s.M, s.N, s.K, 1.0f, A.data(), ac, B.data(), bc, 0.0f, C1.data(), s.N);
  };
  std::vector<float> C3(s.M * s.N);
  auto bf16_call = [&] {
    ng::cpu::set_gemm_precision(ng::cpu::Precision::bf16);
    ng::cpu::sgemm(s.ta, s.tb, s.M, s.N, s.K, 1.0f, A.data(), ac, B.data(), bc, 0.0f, C3.data(), s.N);
    ng::cpu::set_gemm_precision(ng::cpu::Precision::fp32);
  };
  auto blas_call = [&] {
    cblas_sgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans, s.tb ? CblasTrans : CblasNoTrans,
                s.M, s.N, s.K, 1.0f, A.data(), ac, B.data(), bc, 0.0f, C2.data(), s.N);
  };
  const bool do_ng = lib != Lib::openblas, do_blas = lib != Lib::nodegrad;
  const bool do_bf16 = do_ng && ng::bf16_native();
  // Warm up (packing buffers, thread pool, page faults) and time one call of each.
  double per_call = 1e-7;
  for (int w = 0; w < 2; ++w) {
    if (do_ng) { const double t0 = now(); ng_call(); per_call = std::max(per_call, now() - t0); }
    if (do_blas) { const double t0 = now(); blas_call(); per_call = std::max(per_call, now() - t0); }
    if (do_bf16) bf16_call();
    if (per_call > 0.2) break;  // slow (shipped OpenBLAS on big squares): one warm-up is enough
  }
  const int reps = static_cast<int>(std::clamp(tm.block_seconds / per_call, double(tm.min_reps), 1000.0));
  const int blocks = per_call * reps > 0.5 ? std::min(tm.blocks, 2) : tm.blocks;
  std::vector<double> tn, tb, tbf;
  for (int b = 0; b < blocks; ++b) {
    for (int side = 0; side < 2; ++side) {
      const bool ng_turn = (side == 0) == (b % 2 == 0);  // alternate who goes first
      if (ng_turn ? !do_ng : !do_blas) continue;
      const double s0 = now();
      for (int r = 0; r < reps; ++r) ng_turn ? ng_call() : blas_call();
      (ng_turn ? tn : tb).push_back((now() - s0) / reps);
    }
    if (do_bf16) {  // bf16 runs faster than fp32: reps sized for fp32 keep the block long enough
      const double s0 = now();
      for (int r = 0; r < reps; ++r) bf16_call();
      tbf.push_back((now() - s0) / reps);
    }
  }
  double diff = 0, ref = 0;
  if (do_ng && do_blas) {
    for (size_t i = 0; i < C1.size(); ++i) {
      diff = std::max(diff, static_cast<double>(std::fabs(C1[i] - C2[i])));
      ref = std::max(ref, static_cast<double>(std::fabs(C2[i])));
    }
  }
  const double flop = 2.0 * s.M * s.N * s.K;
  std::printf(
      "{\"kind\":\"gemm\",\"group\":\"%s\",\"name\":\"%s\",\"ta\":%d,\"tb\":%d,\"M\":%lld,"
      "\"N\":%lld,\"K\":%lld,\"threads\":%d,\"reps\":%d,\"nodegrad_gflops\":%.3f,"
      "\"blas_gflops\":%.3f,\"nodegrad_bf16_gflops\":%.3f,\"max_rel_diff\":%.3g}\n",
      s.group.c_str(), s.name.c_str(), s.ta, s.tb, static_cast<long long>(s.M),
      static_cast<long long>(s.N), static_cast<long long>(s.K), threads, reps * blocks,
      do_ng ? flop / median(tn) / 1e9 : -1.0, do_blas ? flop / median(tb) / 1e9 : -1.0,
      do_bf16 ? flop / median(tbf) / 1e9 : -1.0,
      ref > 0 ? diff / ref : 0.0);
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
    else if (!std::strcmp(argv[i], "--lib") && i + 1 < argc) {
      ++i;
      lib = !std::strcmp(argv[i], "openblas") ? Lib::openblas : !std::strcmp(argv[i], "both") ? Lib::both : Lib::nodegrad;
    }
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
  std::printf("{\"kind\":\"info\",\"isa\":\"%s\",\"kernel\":\"%s\",\"bf16\":%s,\"openblas_coretype\":\"%s\",\"openblas_config\":\"%s\"}\n",
              ng::isa_name(ng::active_isa()), ng::cpu::sgemm_kernel_name(), ng::bf16_native() ? "true" : "false",
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
