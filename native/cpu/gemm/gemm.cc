// The BLIS-style driver: five loops around a per-ISA micro-kernel (tables in gemm_kernels.h).
// Two loop orders, chosen by the table:
//   Goto (AVX2, generic): jc: N by NC -> pc: K by KC (pack B panel KC x nc) -> ic: M by MC
//     (pack A block mc x KC, L2) -> jr: NR (B micro-panel in L1) -> ir: MR -> micro-kernel
//   transposed (AVX-512; BLIS applied to C^T): ic: M by MC (pack A panel, L3) -> pc: K by KC
//     -> jc: N by NC (pack B block KC x nc, L2) -> ir: MR (A micro-panel in L1) -> jr: NR
// K is cut into equal blocks of at most KC. Transposes are absorbed by the packing routines
// (SIMD ones from the table where present). For narrow N (<= NR) a table may read A in place
// instead of packing it. Packing buffers are thread_local and only grow (never allocated per
// call once warm). Parallelism: C is cut into a grid of tasks (one per thread, along the
// dimension whose operand is cheaper to pack twice, at MR / NR multiples so results do not
// depend on the thread count), each running the serial algorithm; small problems stay serial.
#include "cpu/gemm/gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/cpu_features.h"
#include "core/isa_target.h"
#include "core/parallel.h"
#include "cpu/gemm/gemm_kernels.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace ng::cpu {
namespace gemm {
namespace {

// ---- packing buffers ----------------------------------------------------------------------
struct PackBuffers {
  float* a = nullptr;
  size_t a_cap = 0;
  float* b = nullptr;
  size_t b_cap = 0;
  ~PackBuffers() {
    std::free(a);
    std::free(b);
  }
  static float* grow(float*& p, size_t& cap, size_t n) {
    if (n <= cap) return p;
    std::free(p);
    p = nullptr;
    cap = 0;
    void* q = nullptr;
    const size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
    if (posix_memalign(&q, 64, bytes) != 0) throw std::bad_alloc();
    p = static_cast<float*>(q);
    cap = n;
    return p;
  }
};
thread_local PackBuffers tl_buffers;

// Widest N (in register tiles) for which A is read in place instead of packed (gemm_block).
constexpr int kDirectATiles = 4;

// ---- packing ------------------------------------------------------------------------------
// op(A)(i, k) = transA ? A[k*lda + i] : A[i*lda + k]
void pack_a(bool transA, const float* A, int64_t lda, int64_t i0, int64_t mc, int64_t k0,
            int64_t kc, int MR, float* dst) {
  for (int64_t p = 0; p < mc; p += MR) {
    const int r = static_cast<int>(std::min<int64_t>(MR, mc - p));
    if (!transA) {
      for (int i = 0; i < r; ++i) {
        const float* src = A + (i0 + p + i) * lda + k0;
        for (int64_t k = 0; k < kc; ++k) dst[k * MR + i] = src[k];
      }
      for (int i = r; i < MR; ++i)
        for (int64_t k = 0; k < kc; ++k) dst[k * MR + i] = 0.0f;
    } else {
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = A + (k0 + k) * lda + i0 + p;
        float* d = dst + k * MR;
        std::memcpy(d, src, sizeof(float) * r);
        for (int i = r; i < MR; ++i) d[i] = 0.0f;
      }
    }
    dst += static_cast<int64_t>(MR) * kc;
  }
}

// op(B)(k, j) = transB ? B[j*ldb + k] : B[k*ldb + j]
void pack_b(bool transB, const float* B, int64_t ldb, int64_t k0, int64_t kc, int64_t j0,
            int64_t nc, int NR, float* dst) {
  for (int64_t q = 0; q < nc; q += NR) {
    const int r = static_cast<int>(std::min<int64_t>(NR, nc - q));
    if (!transB) {
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = B + (k0 + k) * ldb + j0 + q;
        float* d = dst + k * NR;
        std::memcpy(d, src, sizeof(float) * r);
        for (int j = r; j < NR; ++j) d[j] = 0.0f;
      }
    } else {
      for (int j = 0; j < r; ++j) {
        const float* src = B + (j0 + q + j) * ldb + k0;
        for (int64_t k = 0; k < kc; ++k) dst[k * NR + j] = src[k];
      }
      for (int j = r; j < NR; ++j)
        for (int64_t k = 0; k < kc; ++k) dst[k * NR + j] = 0.0f;
    }
    dst += static_cast<int64_t>(NR) * kc;
  }
}

struct Problem {
  bool transA, transB;
  int64_t M, N, K;
  float alpha;
  const float* A;
  int64_t lda;
  const float* B;
  int64_t ldb;
  float beta;
  float* C;
  int64_t ldc;
  const float* bias;
  int relu;
  // op(B) packed ahead of time by pack_b_all (every K block, all of N), or nullptr: pack per block.
  const float* b_packed = nullptr;
};

inline float finish(float t, float alpha, float beta, float c, const float* bias, int64_t j,
                    int relu) {
  float v = alpha * t;
  if (beta != 0.0f) v += beta * c;
  if (bias) v += bias[j];
  if (relu && v < 0.0f) v = 0.0f;
  return v;
}

// C = beta*C (+ bias) (relu) on rows [m0,m1) x cols [n0,n1): the alpha == 0 / K == 0 case.
void scale_only(const Problem& p, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  for (int64_t i = m0; i < m1; ++i) {
    float* c = p.C + i * p.ldc;
    for (int64_t j = n0; j < n1; ++j)
      c[j] = finish(0.0f, 0.0f, p.beta, p.beta != 0.0f ? c[j] : 0.0f, p.bias, j, p.relu);
  }
}

// Block size for cutting n into ceil(n/max) near-equal blocks, rounded up to a multiple of unit.
int64_t balanced_block(int64_t n, int64_t max, int unit) {
  const int64_t cap = std::max<int64_t>(unit, max / unit * unit);
  const int64_t blocks = (n + cap - 1) / cap;
  const int64_t per = (n + blocks - 1) / blocks;
  return std::min(cap, (per + unit - 1) / unit * unit);
}

// gemm_block's K blocking: ceil(K/KC) near-equal blocks, a multiple of k_pack deep.
int64_t k_block(const KernelTable& t, int64_t K) {
  const int64_t kblocks = (K + t.KC - 1) / t.KC;
  return ((K + kblocks - 1) / kblocks + t.k_pack - 1) / t.k_pack * t.k_pack;
}

int64_t packed_slots(const KernelTable& t, int64_t kc) { return (kc + t.k_pack - 1) / t.k_pack; }

// Layout of a B packed ahead of time (pack_b_all): for each K block in order, the block's
// ceil(N/NR) micro-panels for all of N, exactly as pack_b writes them. Offset (in floats) of
// the K block starting at pc (a multiple of KC).
int64_t packed_b_offset(const KernelTable& t, int64_t N, int64_t pc, int64_t KC) {
  const int64_t panels = (N + t.NR - 1) / t.NR;
  return (pc / KC) * panels * t.NR * packed_slots(t, KC);
}

// The serial blocked algorithm on the sub-block rows [m0,m1) x cols [n0,n1) of C.
void gemm_block(const KernelTable& t, const Problem& p, int64_t m0, int64_t m1, int64_t n0,
                int64_t n1) {
  if (m1 <= m0 || n1 <= n0) return;
  if (p.K == 0 || p.alpha == 0.0f) return scale_only(p, m0, m1, n0, n1);
  const int MR = t.MR, NR = t.NR;
  // Balanced M / N blocks of at most MC / NC, each a whole number of register tiles (packed
  // panels are zero-padded to MR / NR).
  const int64_t MC = balanced_block(m1 - m0, t.MC, MR);
  const int64_t NC = balanced_block(n1 - n0, t.NC, NR);
  // Balanced K blocks: ceil(K/KC) blocks of near-equal depth (no thin last block), a multiple
  // of k_pack (bf16 pairs) so that only the last block can end in a half pair.
  const int64_t KC = k_block(t, p.K);
  // Packed panels hold ceil(kc / k_pack) 32-bit slots per lane.
  auto slots = [&](int64_t kc) { return packed_slots(t, kc); };
  const int64_t kc_max = slots(KC);
  PackBuffers& buf = tl_buffers;
  // Narrow N: each element of A meets at most kDirectATiles * NR columns, so read A in place (the
  // A rows of a tile stay in L1 across its few column tiles). Up to 4 tiles (N <= 128 at NR 32)
  // measured 0-35% faster than packing on M 96-2048, K 96-784 (the GPT step's N = 128 GEMMs,
  // MLP layers); at N >= 384 packing won. Same arithmetic either way (thread-count independent).
  const bool direct_a = t.kernel_rows != nullptr && t.partial_tiles && !p.transA && n1 - n0 <= kDirectATiles * NR &&
                        t.k_pack == 1;
  // One row (generation's products): A read in place, a row strip across each B block.
  const bool row_a = !direct_a && t.row_strip != nullptr && !p.transA && m1 - m0 == 1 && t.k_pack == 1;
  float* Ap = direct_a || row_a ? nullptr : PackBuffers::grow(buf.a, buf.a_cap, static_cast<size_t>(MC * kc_max));
  float* Bbuf = p.b_packed ? nullptr : PackBuffers::grow(buf.b, buf.b_cap, static_cast<size_t>(NC * kc_max));
  const float* Bp = Bbuf;
  alignas(64) float tile[kMaxMR * kMaxNR];
  auto do_pack_a = [&](int64_t ic, int64_t mc, int64_t pc, int64_t kc) {
    if (direct_a || row_a) return;
    if (t.pack_a) t.pack_a(p.transA, p.A, p.lda, ic, mc, pc, kc, Ap);
    else pack_a(p.transA, p.A, p.lda, ic, mc, pc, kc, MR, Ap);
  };
  auto do_pack_b = [&](int64_t pc, int64_t kc, int64_t jc, int64_t nc) {
    if (p.b_packed) {
      // The same panels, packed once for all of N (see packed_b_offset): jc is a multiple of NR.
      Bp = p.b_packed + packed_b_offset(t, p.N, pc, KC) + jc * slots(kc);
      return;
    }
    if (t.pack_b) t.pack_b(p.transB, p.B, p.ldb, pc, kc, jc, nc, Bbuf);
    else pack_b(p.transB, p.B, p.ldb, pc, kc, jc, nc, NR, Bbuf);
  };

  // One (jc, pc, ic) block: packed A block (mc x kc) x packed B panel (kc x nc) into C.
  auto macro = [&](int64_t ic, int64_t mc, int64_t jc, int64_t nc, int64_t pc, int64_t kc) {
    const bool first = pc == 0, last = pc + kc >= p.K;
    const float beta = first ? p.beta : 1.0f;
    const float* bias = last ? p.bias : nullptr;
    const int relu = last ? p.relu : 0;
    const int64_t ks = slots(kc);
    if (row_a) {
      t.row_strip(kc, p.A + ic * p.lda + pc, 1, Bp, NR * ks, p.C + ic * p.ldc + jc, nc, p.alpha, beta,
                  bias ? bias + jc : nullptr, relu);
      return;
    }
    auto tile_op = [&](int64_t ir, int64_t jr) {
      const int nr = static_cast<int>(std::min<int64_t>(NR, nc - jr));
      const int mr = static_cast<int>(std::min<int64_t>(MR, mc - ir));
      const float* bp = Bp + jr * ks;
      const float* ap = Ap + ir * ks;
      const float* bias_j = bias ? bias + jc + jr : nullptr;
      float* c = p.C + (ic + ir) * p.ldc + jc + jr;
      if (direct_a) {
        t.kernel_rows(kc, p.A + (ic + ir) * p.lda + pc, p.lda, bp, NR, c, p.ldc, mr, nr, p.alpha,
                      beta, bias_j, relu);
      } else if (t.partial_tiles || (mr == MR && nr == NR)) {
        t.kernel(ks, ap, bp, NR, c, p.ldc, mr, nr, p.alpha, beta, bias_j, relu);
      } else {
        t.kernel(ks, ap, bp, NR, tile, NR, MR, NR, 1.0f, 0.0f, nullptr, 0);
        for (int i = 0; i < mr; ++i)
          for (int j = 0; j < nr; ++j) {
            float& cij = c[i * p.ldc + j];
            cij = finish(tile[i * NR + j], p.alpha, beta, beta != 0.0f ? cij : 0.0f, bias_j, j,
                         relu);
          }
      }
    };
    if (t.a_in_l1) {
      for (int64_t ir = 0; ir < mc; ir += MR)
        for (int64_t jr = 0; jr < nc; jr += NR) tile_op(ir, jr);
    } else {
      for (int64_t jr = 0; jr < nc; jr += NR)
        for (int64_t ir = 0; ir < mc; ir += MR) tile_op(ir, jr);
    }
  };

  if (!t.a_in_l1) {
    // Goto order: B panel (L3) outside, A block (L2) inside.
    for (int64_t jc = n0; jc < n1; jc += NC) {
      const int64_t nc = std::min(NC, n1 - jc);
      for (int64_t pc = 0; pc < p.K; pc += KC) {
        const int64_t kc = std::min(KC, p.K - pc);
        do_pack_b(pc, kc, jc, nc);
        for (int64_t ic = m0; ic < m1; ic += MC) {
          const int64_t mc = std::min(MC, m1 - ic);
          do_pack_a(ic, mc, pc, kc);
          macro(ic, mc, jc, nc, pc, kc);
        }
      }
    }
  } else {
    // Transposed Goto order (BLIS on C^T): A panel (L3) outside, B block (L2) inside.
    for (int64_t ic = m0; ic < m1; ic += MC) {
      const int64_t mc = std::min(MC, m1 - ic);
      for (int64_t pc = 0; pc < p.K; pc += KC) {
        const int64_t kc = std::min(KC, p.K - pc);
        do_pack_a(ic, mc, pc, kc);
        for (int64_t jc = n0; jc < n1; jc += NC) {
          const int64_t nc = std::min(NC, n1 - jc);
          do_pack_b(pc, kc, jc, nc);
          macro(ic, mc, jc, nc, pc, kc);
        }
      }
    }
  }
}

// Tasks per thread for large problems (compile-time knob for experiments; see bench/kernels).
// One: every task packs the whole of one operand for its strip of C, so a 2 x 2 grid (2 per
// thread) packs both operands twice where a 1 x 2 / 2 x 1 grid packs only the cheaper one
// twice; bench/kernels/mlp-threads.cc measured 2.5-3.7% less CPU time for the MLP step's
// parallel GEMMs at 2 threads with one task per thread.
#ifndef NG_GEMM_TASKS_PER_THREAD
#define NG_GEMM_TASKS_PER_THREAD 1
#endif
constexpr int kTasksPerThread = NG_GEMM_TASKS_PER_THREAD;

// Row-strip preference of run_problem's grid: register tiles of rows per strip, and how much
// more packing than the cheapest grid a row split may cost.
constexpr int64_t kRowSplitTiles = 8;
constexpr double kRowSplitSlack = 1.5;

// Problems with fewer multiply-adds (M*N*K) than this run on one thread.
constexpr double kParallelMinWork = 6.0e6;

// Splits [0, n) into `parts` ranges aligned to `align`; returns the start of part i.
int64_t split_point(int64_t n, int parts, int i, int align) {
  if (i >= parts) return n;
  const int64_t units = (n + align - 1) / align;
  return std::min(n, (units * i / parts) * align);
}

std::atomic<int> g_precision{static_cast<int>(Precision::fp32)};
// while a captured step replays on the runner thread: the precision it was submitted with; -1: none
std::atomic<int> g_precision_override{-1};

}  // namespace

const KernelTable& current_table() {
#if NG_X86
  if (gemm_precision() == Precision::bf16 && bf16_native()) return kTableAvx512Bf16;
#endif
  return active_table();
}

const KernelTable& active_table() {
  switch (active_isa()) {
#if NG_X86
    case Isa::avx512: return kTableAvx512;
    case Isa::avx2: return kTableAvx2;
#endif
    default: return kTableGeneric;
  }
}

namespace {

void run_problem(const KernelTable& t, const Problem& p, int nthreads) {
  const int64_t M = p.M, N = p.N, K = p.K;
  const float alpha = p.alpha;
  // Serial below ~12 MFLOP (~80 us on one core: waking a second thread costs more than it
  // saves), when the caller is already parallel, or when alpha == 0 / K == 0.
  const double work = static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  int nt = nthreads;
  if (work < kParallelMinWork || K == 0 || alpha == 0.0f) nt = 1;
  // Tasks: kTasksPerThread per thread when there is plenty of work (with 2, a late or busy
  // thread costs half a share, not a whole one, at the price of more packing), scheduled
  // dynamically.
  const int64_t tiles = ((M + t.MR - 1) / t.MR) * ((N + t.NR - 1) / t.NR);
  const int want = nt > 1 && work >= 8 * kParallelMinWork && tiles >= 16 * nt ? kTasksPerThread * nt : nt;
  // Grid pm x pn = want minimising redundant packing: each of the pn column strips packs all
  // of its rows of A (cost pn * M) and each of the pm row strips its columns of B (pm * N).
  // But tasks that write column strips of the same rows of C slow each other down, while row
  // strips do not: two threads each computing half the columns of a 512 x 512 (K 784) product
  // took 1,100-1,270 us where one of them alone took 975-1,000; with half the rows each, or
  // with separate C matrices, 1,000-1,010 (bench/kernels/README.md, "Column strips"). So rows
  // alone (pm = want) whenever every strip gets at least kRowSplitTiles register tiles of rows
  // and packs less than kRowSplitSlack times what the cheapest grid packs (the copies of B
  // grow with N: 256 x 4096 x 256 ran 11% slower split by rows).
  int pm = 1, pn = 1;
  if (want > 1) {
    double best = -1.0;
    for (int d = 1; d <= want; ++d) {
      if (want % d != 0) continue;
      const int qm = d, qn = want / d;
      if ((M + t.MR - 1) / t.MR < qm || (N + t.NR - 1) / t.NR < qn) continue;
      const double cost = static_cast<double>(qn) * M + static_cast<double>(qm) * N;
      if (best < 0 || cost < best) { best = cost; pm = qm; pn = qn; }
    }
    if (best < 0) { pm = 1; pn = 1; }
    const double rows_cost = static_cast<double>(M) + static_cast<double>(want) * N;
    if (best >= 0 && (M + t.MR - 1) / t.MR >= kRowSplitTiles * want && rows_cost < kRowSplitSlack * best) {
      pm = want;
      pn = 1;
    }
  }
  const int tasks = pm * pn;
  // Split points are multiples of MR / NR, so every task sees the same register tiles as a
  // serial run: results do not depend on the thread count.
  auto run_task = [&](int task) {
    const int bi = task / pn, bj = task % pn;
    gemm_block(t, p, split_point(M, pm, bi, t.MR), split_point(M, pm, bi + 1, t.MR),
               split_point(N, pn, bj, t.NR), split_point(N, pn, bj + 1, t.NR));
  };
  if (tasks <= 1) {
    gemm_block(t, p, 0, M, 0, N);
    return;
  }
#ifdef _OPENMP
  bool failed = false;
  // Tasks are taken dynamically; then the calling thread waits for the others' tasks by spinning
  // briefly before the closing barrier (finish_share, core/parallel.h). Which thread runs a task
  // does not change its result.
  std::atomic<int> next{0}, done{0};
#pragma omp parallel num_threads(std::min(nt, tasks))
  {
    for (int task = next.fetch_add(1, std::memory_order_relaxed); task < tasks;
         task = next.fetch_add(1, std::memory_order_relaxed)) {
      try {
        run_task(task);
      } catch (...) {
#pragma omp atomic write
        failed = true;
      }
    }
    finish_share(done);
  }
  if (failed) throw std::bad_alloc();
#else
  for (int task = 0; task < tasks; ++task) run_task(task);
#endif
}

}  // namespace

void sgemm_with(const KernelTable& t, bool transA, bool transB, int64_t M, int64_t N, int64_t K,
                float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
                float beta, float* C, int64_t ldc, const float* bias, int relu, int nthreads) {
  if (M <= 0 || N <= 0) return;
  run_problem(t, Problem{transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, bias, relu}, nthreads);
}

int64_t packed_b_floats(const KernelTable& t, int64_t K, int64_t N) {
  if (K <= 0 || N <= 0) return 0;
  const int64_t KC = k_block(t, K);
  const int64_t kblocks = (K + KC - 1) / KC;
  return kblocks * ((N + t.NR - 1) / t.NR) * t.NR * packed_slots(t, KC);
}

void pack_b_all(const KernelTable& t, bool transB, int64_t K, int64_t N, const float* B, int64_t ldb,
                float* dst) {
  if (K <= 0 || N <= 0) return;
  const int64_t KC = k_block(t, K);
  for (int64_t pc = 0; pc < K; pc += KC) {
    const int64_t kc = std::min(KC, K - pc);
    float* d = dst + packed_b_offset(t, N, pc, KC);
    if (t.pack_b) t.pack_b(transB, B, ldb, pc, kc, 0, N, d);
    else pack_b(transB, B, ldb, pc, kc, 0, N, t.NR, d);
  }
}

void sgemm_with_packed_b(const KernelTable& t, bool transA, int64_t M, int64_t N, int64_t K, float alpha,
                         const float* A, int64_t lda, const float* Bpacked, float beta, float* C,
                         int64_t ldc, const float* bias, int relu, int nthreads) {
  if (M <= 0 || N <= 0) return;
  Problem p{transA, false, M, N, K, alpha, A, lda, nullptr, 0, beta, C, ldc, bias, relu};
  p.b_packed = Bpacked;
  run_problem(t, p, nthreads);
}

}  // namespace gemm

void sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
           int64_t ldc, const GemmEpilogue* ep) {
  int nthreads = 1;
#ifdef _OPENMP
  if (!omp_in_parallel()) nthreads = omp_get_max_threads();
#endif
  gemm::sgemm_with(gemm::current_table(), transA, transB, M, N, K, alpha, A, lda, B, ldb, beta,
                   C, ldc, ep ? ep->bias : nullptr, ep && ep->act == Act::relu ? 1 : 0, nthreads);
}

void sgemm_ref(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
               const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
               int64_t ldc, const GemmEpilogue* ep) {
  const float* bias = ep ? ep->bias : nullptr;
  const bool relu = ep && ep->act == Act::relu;
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      double s = 0.0;
      if (alpha != 0.0f) {
        for (int64_t k = 0; k < K; ++k) {
          const double a = transA ? A[k * lda + i] : A[i * lda + k];
          const double b = transB ? B[j * ldb + k] : B[k * ldb + j];
          s += a * b;
        }
      }
      double v = static_cast<double>(alpha) * s;
      if (beta != 0.0f) v += static_cast<double>(beta) * C[i * ldc + j];
      if (bias) v += bias[j];
      float r = static_cast<float>(v);
      if (relu && r < 0.0f) r = 0.0f;
      C[i * ldc + j] = r;
    }
  }
}

const char* sgemm_kernel_name() { return gemm::current_table().name; }

// ---- op(B) packed ahead of time --------------------------------------------------------------
namespace {
// The tag sgemm_pack_b returns and sgemm_prepacked_b checks: which kernel table packed the panels
// (their layout and, for bf16, their contents depend on it).
int table_tag(const gemm::KernelTable& t) {
  if (&t == &gemm::kTableGeneric) return 1;
#if NG_X86
  if (&t == &gemm::kTableAvx2) return 2;
  if (&t == &gemm::kTableAvx512) return 3;
  if (&t == &gemm::kTableAvx512Bf16) return 4;
#endif
  return 0;
}
}  // namespace

int sgemm_table_tag() { return table_tag(gemm::current_table()); }

int64_t sgemm_packed_b_floats(int64_t K, int64_t N) {
  return gemm::packed_b_floats(gemm::current_table(), K, N);
}

int sgemm_pack_b(bool transB, int64_t K, int64_t N, const float* B, int64_t ldb, float* dst) {
  const gemm::KernelTable& t = gemm::current_table();
  gemm::pack_b_all(t, transB, K, N, B, ldb, dst);
  return table_tag(t);
}

bool sgemm_prepacked_b(int table, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                       const float* Bpacked, float* C, int64_t ldc, const GemmEpilogue* ep) {
  const gemm::KernelTable& t = gemm::current_table();
  if (table != table_tag(t)) return false;
  int nthreads = 1;
#ifdef _OPENMP
  if (!omp_in_parallel()) nthreads = omp_get_max_threads();
#endif
  gemm::sgemm_with_packed_b(t, false, M, N, K, 1.0f, A, lda, Bpacked, 0.0f, C, ldc, ep ? ep->bias : nullptr,
                            ep && ep->act == Act::relu ? 1 : 0, nthreads);
  return true;
}

void set_gemm_precision(Precision p) {
  gemm::g_precision.store(static_cast<int>(p), std::memory_order_relaxed);
}

Precision requested_gemm_precision() {
  return static_cast<Precision>(gemm::g_precision.load(std::memory_order_relaxed));
}

void set_gemm_precision_override(int p) { gemm::g_precision_override.store(p, std::memory_order_relaxed); }

Precision gemm_precision() {
  const int o = gemm::g_precision_override.load(std::memory_order_relaxed);
  return o >= 0 ? static_cast<Precision>(o) : requested_gemm_precision();
}

}  // namespace ng::cpu
