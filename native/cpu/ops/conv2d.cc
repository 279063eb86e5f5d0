#include "cpu/ops/opt_flags.h"  // first: compiler options for this file

// Convolution as im2col + sgemm, or (stride 1, kernels larger than 1x1, >= 8 output channels per
// group, AVX-512) by direct kernels that read the input rows in place (see "direct convolution"
// below). im2col + sgemm, per image n and group g (Cg = C / groups, OCg = OC / groups,
// K = Cg * KH * KW, P = OH * OW):
//   forward   out[n, g] (OCg, P) = W[g] (OCg, K) @ col (K, P)          (+ bias, relu: epilogue)
//   dweight   dW[g] (OCg, K)    += dpre[n, g] (OCg, P) @ col^T (P, K)
//   dinp      dcol (K, P)        = W[g]^T (K, OCg) @ dpre[n, g] (OCg, P), then col2im adds it
// The bias is fused as one more GEMM row ([W | bias] @ [col; ones], beta = 0; fp32 mode), or by
// pre-filling each output row with bias[oc] and running the GEMM with beta = 1 (1x1 convs that
// use the input as the column matrix, bf16 mode), so the relu epilogue sees W col + bias.
#include "cpu/ops/conv2d.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "cpu/gemm/gemm.h"
#include "cpu/ops/common.h"
#include "cpu/ops/conv2d_dweight.h"
#include "cpu/ops/isa_dispatch.h"
#include "cpu/ops/pool2d.h"
#include "cpu/ops/prefetch_spread.h"
#include "core/intrinsics_x86.h"

namespace ng::cpu {

namespace {

// At most this many image chunks (each with its own scratch slice), and about this many floats
// of scratch in all (fewer chunks for big images).
constexpr int64_t kMaxChunks = 8;
constexpr int64_t kScratchBudget = int64_t{1} << 22;
// Convolutions with fewer multiply-adds than this run their chunks on one thread.
constexpr double kParallelWork = 2.0e6;
// The direct kernels' tile (see "direct convolution" below): output channels per block,
// 16-column output segments per tile.
constexpr int kDirOB = 8;
constexpr int kDirSeg = 3;

struct Dims {
  int64_t Cg, OCg, K, P, HW, KK;
  int64_t colb, dwv;  // backward: floats of the column matrix (0: not used), of the direct dweight's vector sums
  bool direct;  // 1x1, stride 1, no padding: the input plane block is the column matrix
  bool dfwd, dbwd, dwd;  // the direct kernels run the forward / the input gradient / the weight gradient
  bool dphase;  // strided forward by the flat kernel over phase planes
  int64_t phasef;  // its scratch: sh sw Cg P floats of phase planes
  bool dphb;  // strided input gradient by the flat kernel into phase planes of dx
  int64_t phbf;  // its scratch: sh sw Cg P floats
  bool dwp;  // strided weight gradient by lane sums over the input's phase planes
  int64_t phwf;  // its scratch: sh sw Cg P floats (the phase planes)
  bool dwb;  // weight gradient by broadcasts (conv2d_dweight.h)
  int64_t dwbf;  // its scratch: the transposed dpre and padded planes, then the groups' dWt (OC K)
};
bool direct_ok(const Conv2dShape& s, int64_t Co);
bool phase_ok(const Conv2dShape& s, int64_t Co);
int64_t direct_pack_floats(int64_t Co, int64_t Ci, int64_t KK);

// The broadcast weight-gradient kernel's view of one image and group.
BcastDweightGeom bcast_geom(const Conv2dShape& s, const Dims& d) {
  return BcastDweightGeom{d.Cg, d.OCg, s.H, s.W, s.OH, s.OW, s.KH, s.KW, s.sh, s.sw, s.ph, s.pw, s.dh};
}

Dims dims_of(const Conv2dShape& s) {
  Dims d;
  d.Cg = s.C / s.groups;
  d.OCg = s.OC / s.groups;
  d.K = d.Cg * s.KH * s.KW;
  d.P = s.OH * s.OW;
  d.HW = s.H * s.W;
  d.KK = s.KH * s.KW;
  d.direct = s.KH == 1 && s.KW == 1 && s.sh == 1 && s.sw == 1 && s.ph == 0 && s.pw == 0;
  d.dfwd = direct_ok(s, d.OCg);
  d.dphase = phase_ok(s, d.OCg);
  d.phasef = d.dphase ? s.sh * s.sw * d.Cg * d.P : 0;
  d.dphb = phase_ok(s, d.Cg);
  d.phbf = d.dphb ? s.sh * s.sw * d.Cg * d.P : 0;
  d.dbwd = direct_ok(s, d.Cg);
  // The direct weight gradient only for 3-wide kernels (tiles of 3 kernel columns), where it
  // measured faster than im2col + GEMM (16 and 32 channels, 28x28 and 14x14, 1 thread); for 5x5
  // (tiles of 3 + 2 columns) the GEMM was faster.
  // The broadcast kernel first (16k output channels per group, fp32 mode): it measured faster
  // than both the lane sums and im2col + GEMM (bench/kernels/conv-parts.mjs).
  d.dwb = bcast_dweight_ok(s) && gemm_precision() == Precision::fp32;
  d.dwbf = d.dwb ? bcast_geom(s, d).scratch_floats() + s.OC * d.K : 0;
  d.dwd = !d.dwb && d.dfwd && d.OCg % kDirOB == 0 && s.KW == 3;
  d.dwp = !d.dwb && d.dphase && d.OCg % kDirOB == 0;
  d.phwf = d.dwp ? d.phasef : 0;
  d.colb = d.direct || ((d.dwd || d.dwp || d.dwb) && (d.dbwd || d.dphb)) ? 0 : d.K * d.P;
  d.dwv = d.dwd || d.dwp ? s.groups * direct_pack_floats(d.OCg, d.Cg, d.KK) * 16 : 0;
  return d;
}

// Scratch floats per chunk: column matrix (forward: one more row, of ones, for the bias), dpre
// (relu backward), partial dweight (several chunks).
int64_t col_floats(const Dims& d, bool backward) {
  if (backward) return d.colb + d.dwv + d.phbf + d.phwf + d.dwbf;
  if (d.dphase) return d.phasef;
  return d.direct || d.dfwd ? 0 : (d.K + 1) * d.P;
}
int64_t chunk_floats(const Conv2dShape& s, const Dims& d, bool backward, bool partial) {
  int64_t f = col_floats(d, backward);
  if (backward) f += s.OC * d.P + (partial ? s.OC * d.K : 0);
  return f;
}

int64_t chunks_of(const Conv2dShape& s, const Dims& d, bool backward) {
  const int64_t most = std::min<int64_t>(kMaxChunks, std::max<int64_t>(s.N, 1));
  if (most <= 1) return 1;
  const int64_t per = std::max<int64_t>(chunk_floats(s, d, backward, true), 1);
  // The broadcast weight gradient keeps the whole backward in the chunk loop (no GEMM that
  // parallelizes inside): at least 2 chunks, or big images (one slot above the budget) would run
  // on one thread (4 x 64 x 112 x 112 -> 64 3x3, 2 threads: ~41 ms in 1 chunk, ~22 in 2).
  const int64_t least = backward && d.dwb ? std::min<int64_t>(most, 2) : 1;
  return std::max<int64_t>(least, std::min<int64_t>(most, kScratchBudget / per));
}

// Scratch layout: one slot per thread (column matrix and dpre, rewritten for every image, so
// which thread's slot an image uses cannot change a result; one slot reused by a thread stays
// in its cache), then the per-chunk partial weight gradients (whose chunking, by shape only,
// fixes the summation order); forward: then the weights with the bias as an extra column.
struct Layout {
  int64_t slots, slot, partial;  // slot count, floats per slot, floats per partial dW (0: none)
  int64_t partial_total;  // nchunks * partial
  int64_t wb;  // forward, im2col path: OC * (K + 1) floats of [weight | bias] rows; direct kernel: its packed weights
  int64_t floats() const { return slots * slot + partial_total + wb; }
};
Layout layout_of(const Conv2dShape& s, const Dims& d, bool backward, int64_t nchunks) {
  Layout l;
  int64_t threads = 1;
#ifdef _OPENMP
  if (!omp_in_parallel()) threads = omp_get_max_threads();
#endif
  l.slots = std::max<int64_t>(1, std::min<int64_t>(nchunks, threads));
  l.slot = col_floats(d, backward) + (backward ? s.OC * d.P : 0);
  l.partial = backward && nchunks > 1 ? s.OC * d.K : 0;
  l.partial_total = nchunks * l.partial;
  if (backward)
    l.wb = d.dbwd || d.dphb ? s.groups * direct_pack_floats(d.Cg, d.OCg, d.KK) : 0;
  else
    l.wb = d.dfwd || d.dphase ? s.groups * direct_pack_floats(d.OCg, d.Cg, d.KK) : d.direct ? 0 : s.OC * (d.K + 1);
  return l;
}

// The calling thread's slot inside for_chunks (0 outside a team of ours).
inline int64_t slot_of(bool in_team) {
#ifdef _OPENMP
  if (in_team) return omp_get_thread_num();
#endif
  (void)in_team;
  return 0;
}

#if defined(__GNUC__) && !defined(__clang__)
#define NG_ALWAYS_INLINE_LAMBDA __attribute__((always_inline))
#define NG_NO_LIBC_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#elif defined(__GNUC__)
#define NG_ALWAYS_INLINE_LAMBDA __attribute__((always_inline))
#define NG_NO_LIBC_LOOPS
#else
#define NG_ALWAYS_INLINE_LAMBDA
#define NG_NO_LIBC_LOOPS
#endif

// Sum of g[i] where y[i] > 0 (the relu gradient's bias reduction), 8 accumulators so that it
// vectorizes; fixed order.
inline float relu_masked_sum(const float* g, const float* y, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  // g & mask(y > 0) on the bit patterns: gcc does not if-convert the select in a reduction.
  const auto masked = [](float v, float yv) NG_ALWAYS_INLINE_LAMBDA {
    int32_t b;
    std::memcpy(&b, &v, 4);
    b &= -static_cast<int32_t>(yv > 0.0f);
    float r;
    std::memcpy(&r, &b, 4);
    return r;
  };
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) acc[k] += masked(g[i + k], y[i + k]);
  float s = 0.0f;
  for (; i < n; i++) s += masked(g[i], y[i]);
  return s + ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

// [lo, hi): the output positions o whose input index o * stride - pad + off lies in [0, in).
inline void valid_range(int64_t out, int64_t in, int64_t stride, int64_t pad, int64_t off, int64_t* lo,
                        int64_t* hi) {
  const int64_t a = pad - off;  // need o * stride >= a and o * stride < in + a
  int64_t l = a <= 0 ? 0 : (a + stride - 1) / stride;
  int64_t h = in + a <= 0 ? 0 : (in + a + stride - 1) / stride;
  *lo = std::min(l, out);
  *hi = std::max(*lo, std::min(h, out));
}

// The in-range output rows [h0, h1) of every kernel row kh and columns [w0, w1) of every kernel
// column kw, computed once per call (they do not depend on the channel or the image).
// With AVX-512 (stride 1 or 2 along W) also the lane masks of [w0, w1) per 16 output columns,
// and for stride 2 the masks of their source columns 2 (16 v + j) in two 16-lane halves.
struct Ranges {
  std::vector<int64_t> h, w;  // h[2 kh], h[2 kh + 1]; w[2 kw], w[2 kw + 1]
  int64_t nv;                 // vectors of 16 per output row
  std::vector<uint16_t> mask;  // mask[kw * nv + v]: bit j set when w0 <= 16 v + j < w1
  std::vector<uint16_t> src;   // stride 2: src[2 (kw * nv + v) + half], bit 2 j' for output lane 8 half + j'
  bool avx512;
  explicit Ranges(const Conv2dShape& s) : h(2 * s.KH), w(2 * s.KW), nv((s.OW + 15) / 16) {
    for (int64_t kh = 0; kh < s.KH; kh++) valid_range(s.OH, s.H, s.sh, s.ph, kh * s.dh, &h[2 * kh], &h[2 * kh + 1]);
    for (int64_t kw = 0; kw < s.KW; kw++) valid_range(s.OW, s.W, s.sw, s.pw, kw * s.dw, &w[2 * kw], &w[2 * kw + 1]);
#if NG_X86
    avx512 = (s.sw == 1 || s.sw == 2) && isa_detail::isa_or_generic() == Isa::avx512;
#else
    avx512 = false;
#endif
    if (!avx512) return;
    mask.assign(s.KW * nv, 0);
    for (int64_t kw = 0; kw < s.KW; kw++)
      for (int64_t ow = w[2 * kw]; ow < w[2 * kw + 1]; ow++)
        mask[kw * nv + ow / 16] |= static_cast<uint16_t>(1u << (ow % 16));
    if (s.sw != 2) return;
    src.assign(2 * s.KW * nv, 0);
    for (int64_t i = 0; i < s.KW * nv; i++)
      for (int j = 0; j < 16; j++)
        if (mask[i] >> j & 1) src[2 * i + j / 8] |= static_cast<uint16_t>(1u << (2 * (j % 8)));
  }
};

#if NG_X86

// im2col below for stride 1 or 2 along W, one output row at a time in 16-lane vectors: masked
// loads read the in-range columns and leave zeros elsewhere, so padding costs nothing; masked-off
// lanes are never accessed (AVX-512 masks suppress faults). Stride 2: two masked loads of 16
// source columns each, their even lanes picked by a permute. Measured (1 thread, loaded machine): the
// forward of 64x16x28x28 -> 16, 3x3 p1 ~3% faster than the auto-vectorized loop; gathers for
// stride 2 and a masked read-modify-write col2im were slower than the plain loops.
NG_TARGET_AVX512 void im2col_avx512(float* __restrict col, const float* __restrict src, const Conv2dShape& s,
                                    const Dims& d, const Ranges& rg, PrefetchSpread* pf) {
  const int64_t OH = s.OH, OW = s.OW, W = s.W, nv = rg.nv;
  const __mmask16 tail = static_cast<__mmask16>(OW % 16 == 0 ? 0xffff : (1u << (OW % 16)) - 1u);
  const __m512 zero = _mm512_setzero_ps();
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const bool s2 = s.sw == 2;
  for (int64_t c = 0; c < d.Cg; c++)
    for (int64_t kh = 0; kh < s.KH; kh++) {
      if (pf) pf->pump();
      const int64_t h0 = rg.h[2 * kh], h1 = rg.h[2 * kh + 1];
      const float* plane = src + c * d.HW + (kh * s.dh - s.ph) * W - s.pw;
      for (int64_t kw = 0; kw < s.KW; kw++) {
        float* __restrict row = col + ((c * s.KH + kh) * s.KW + kw) * d.P;
        const uint16_t* mk = rg.mask.data() + kw * nv;
        const uint16_t* sm = s2 ? rg.src.data() + 2 * kw * nv : nullptr;
        for (int64_t i = 0; i + 16 <= h0 * OW; i += 16) _mm512_storeu_ps(row + i, zero);
        for (int64_t i = h0 * OW - (h0 * OW) % 16; i < h0 * OW; i++) row[i] = 0.0f;
        for (int64_t oh = h0; oh < h1; oh++) {
          float* r = row + oh * OW;
          const float* line = plane + oh * s.sh * W + kw * s.dw;
          for (int64_t v = 0; v < nv; v++) {
            __m512 x;
            if (s2) {
              const __m512 a = _mm512_maskz_loadu_ps(sm[2 * v], line + 32 * v);
              const __m512 b = _mm512_maskz_loadu_ps(sm[2 * v + 1], line + 32 * v + 16);
              x = _mm512_permutex2var_ps(a, even, b);
            } else {
              x = _mm512_maskz_loadu_ps(mk[v], line + 16 * v);
            }
            _mm512_mask_storeu_ps(r + 16 * v, v == nv - 1 ? tail : static_cast<__mmask16>(0xffff), x);
          }
        }
        float* rest = row + h1 * OW;
        const int64_t n = (OH - h1) * OW;
        for (int64_t i = 0; i + 16 <= n; i += 16) _mm512_storeu_ps(rest + i, zero);
        for (int64_t i = n - n % 16; i < n; i++) rest[i] = 0.0f;
      }
    }
}

#endif

// ---- direct convolution (stride 1, AVX-512) ---------------------------------------------------
// Small channel counts (K = Cg KH KW of 100-300) leave im2col + GEMM dominated by the column
// matrix's traffic. For stride 1 the direct kernel below reads the input rows in place: a tile is
// 8 output channels x 3 segments of 16 output columns (24 accumulators); per kernel tap it loads
// the 3 input vectors (masked loads: zero padding costs nothing) and does 8 x 3 FMAs with the
// broadcast weights, packed per block of 8 output channels as [c][kh][kw][8]. Bias and relu are
// applied in registers (the epilogue), or the tile is added to the output (accumulate: the input
// gradient, which is this convolution with the flipped, transposed kernel). Each output element
// is one fixed-order sum over (c, kh, kw), whatever the thread count.

// One image and group: Ci planes (H, W) -> Co planes (OH, OW), padding ph / pw (negative: the
// input-gradient pass of a conv padded by more than the dilated kernel's extent), dilation dh / dw.
struct DirectGeom {
  int64_t Ci, Co, H, W, OH, OW, KH, KW, ph, pw, dh, dw;
};

// True when the direct kernel handles this convolution better than im2col + GEMM: stride 1,
// kernels larger than 1x1 (1x1 uses the input as the GEMM operand), at least one block of 8
// outputs (Co), fp32 GEMM mode (bf16 mode rounds the GEMM operands; the direct kernel would not).
bool direct_ok(const Conv2dShape& s, int64_t Co) {
#if NG_X86
  return s.sh == 1 && s.sw == 1 && s.KH * s.KW > 1 && Co >= kDirOB && gemm_precision() == Precision::fp32 &&
         isa_detail::isa_or_generic() == Isa::avx512;
#else
  (void)s;
  (void)Co;
  return false;
#endif
}

// The phases of a strided convolution's taps: input row oh sh + kh dh - ph = (oh + u) sh + a
// with u = floor((kh dh - ph) / sh) and a in [0, sh), columns alike (v, b). f(kh, kw, u, v, a, b)
// for every tap (kh, kw).
template <class F>
void for_each_tap_phase(const Conv2dShape& s, const F& f) {
  const auto split = [](int64_t r, int64_t m, int64_t* q, int64_t* rem) {
    *q = r >= 0 ? r / m : -((-r + m - 1) / m);
    *rem = r - *q * m;
  };
  for (int64_t kh = 0; kh < s.KH; kh++)
    for (int64_t kw = 0; kw < s.KW; kw++) {
      int64_t u, v, a, b;
      split(kh * s.dh - s.ph, s.sh, &u, &a);
      split(kw * s.dw - s.pw, s.sw, &v, &b);
      f(kh, kw, u, v, a, b);
    }
}

// True when a strided convolution runs as a flat convolution over phase planes (PhaseTaps):
// stride > 1 (1x1 included: its one phase plane is its im2col, and the flat kernel beat the GEMM's
// 16-deep tiles: 256 x 16 x 28 x 28 -> 32, 1x1 s2, forward ~840 -> ~700 us, input gradient
// ~1300 -> ~1150 us), at least one block of 8 outputs, fp32,
// AVX-512, and phase planes of the output's shape that hold every input row and column of their
// phase (i OH sh + a >= H: no tap reads a real input position past the plane's end).
bool phase_ok(const Conv2dShape& s, int64_t Co) {
#if NG_X86
  if ((s.sh == 1 && s.sw == 1) || Co < kDirOB || gemm_precision() != Precision::fp32 ||
      isa_detail::isa_or_generic() != Isa::avx512 || s.OH * s.OW == 0)
    return false;
  bool covered = true;
  for_each_tap_phase(s, [&](int64_t, int64_t, int64_t, int64_t, int64_t a, int64_t b) {
    covered = covered && s.OH * s.sh + a >= s.H && s.OW * s.sw + b >= s.W;
  });
  return covered;
#else
  (void)s;
  (void)Co;
  return false;
#endif
}

int64_t direct_pack_floats(int64_t Co, int64_t Ci, int64_t KK) { return (Co + kDirOB - 1) / kDirOB * kDirOB * Ci * KK; }

#if NG_X86
// dst[ob][c][kk][8] for one group: weight element (o, c, kk) read at src[o * so + c * sc + kk * sk]
// (kk = kh KW + kw; the input-gradient pass passes the flipped, transposed view); zeros pad the
// last block.
void direct_pack(float* dst, const float* src, int64_t Co, int64_t Ci, int64_t KK, int64_t so, int64_t sc, int64_t sk,
                 int64_t k0) {
  const int64_t nob = (Co + kDirOB - 1) / kDirOB;
  for (int64_t ob = 0; ob < nob; ob++)
    for (int64_t c = 0; c < Ci; c++)
      for (int64_t kk = 0; kk < KK; kk++) {
        float* d = dst + ((ob * Ci + c) * KK + kk) * kDirOB;
        for (int o = 0; o < kDirOB; o++) {
          const int64_t oc = ob * kDirOB + o;
          d[o] = oc < Co ? src[oc * so + c * sc + (k0 + kk * sk)] : 0.0f;
        }
      }
}

// The taps of a flat convolution (see direct_conv_flat): the output plane (OH, OW) cut into
// flat segments of 16 outputs that run across row ends; tap t reads, for flat output
// p = oh OW + ow, the input at p + off[t] (+ c * cs for channel c), which is plane position
// (oh + du, ow + dv) of a plane of the output's shape, and multiplies it by packed weight tap
// kk[t]. mask[seg * ntaps + t] has bit j set when output 16 seg + j exists and its source lies
// inside the plane (padding, and positions that would wrap into the neighbouring row, read 0).
struct FlatTaps {
  int64_t OH = 0, OW = 0, cs = 0;
  // same-size convolutions: taps in (kh, kw) order at (kh dh - ph, kw dw - pw); flat_tile computes
  // their offsets in its loops instead of reading the lists (measured ~5% faster per layer)
  bool same = false;
  int64_t KH = 0, KW = 0, dh = 1, dw = 1, ph = 0, pw = 0;
  std::vector<int64_t> off, kk;
  std::vector<int64_t> du, dv;
  std::vector<uint16_t> mask;
  int64_t ntaps() const { return static_cast<int64_t>(off.size()); }
  int64_t nseg() const { return (OH * OW + 15) / 16; }
  void add(int64_t u, int64_t v, int64_t base, int64_t k) {
    du.push_back(u);
    dv.push_back(v);
    off.push_back(base + u * OW + v);
    kk.push_back(k);
  }
  void build_masks() {
    const int64_t P = OH * OW, nt = ntaps();
    mask.assign(nseg() * nt, 0);
    for (int64_t p = 0; p < P; p++)
      for (int64_t t = 0; t < nt; t++) {
        const int64_t ih = p / OW + du[t], iw = p % OW + dv[t];
        if (ih >= 0 && ih < OH && iw >= 0 && iw < OW) mask[(p / 16) * nt + t] |= static_cast<uint16_t>(1u << (p % 16));
      }
  }
};

// Column masks of the output segments: cmask[kw * nv + v] has bit j set when output column
// 16 v + j exists and its input column 16 v + j - pw + kw dw lies inside the row. For a
// same-size convolution (stride 1, OH = H, OW = W: "same" padding) also its flat taps, unless
// the caller only sweeps rows (with_flat false: the weight-gradient tiles).
struct DirectMasks {
  int64_t nv;
  std::vector<uint16_t> cmask, smask;  // smask[v]: the existing output columns
  FlatTaps flat;  // same-size convolutions: tap (kh, kw) at (kh dh - ph, kw dw - pw); else empty
  explicit DirectMasks(const DirectGeom& g, bool with_flat = true)
      : nv((g.OW + 15) / 16), cmask(g.KW * nv, 0), smask(nv, 0) {
    for (int64_t ow = 0; ow < g.OW; ow++) {
      smask[ow / 16] |= static_cast<uint16_t>(1u << (ow % 16));
      for (int64_t kw = 0; kw < g.KW; kw++) {
        const int64_t iw = ow - g.pw + kw * g.dw;
        if (iw >= 0 && iw < g.W) cmask[kw * nv + ow / 16] |= static_cast<uint16_t>(1u << (ow % 16));
      }
    }
    if (!with_flat || g.OH != g.H || g.OW != g.W || g.ph < 0 || g.pw < 0) return;
    flat.OH = g.OH;
    flat.OW = g.OW;
    flat.cs = g.H * g.W;
    flat.same = true;
    flat.KH = g.KH;
    flat.KW = g.KW;
    flat.dh = g.dh;
    flat.dw = g.dw;
    flat.ph = g.ph;
    flat.pw = g.pw;
    for (int64_t kh = 0; kh < g.KH; kh++)
      for (int64_t kw = 0; kw < g.KW; kw++) flat.add(kh * g.dh - g.ph, kw * g.dw - g.pw, 0, kh * g.KW + kw);
    flat.build_masks();
  }
};

// Segment k of a tile's accumulators to dst + o P for the o < no output channels, under mask sm:
// added to what is there (accumulate), then max(., 0) (relu).
NG_TARGET_AVX512 inline __attribute__((always_inline)) void store_segment(const __m512 (&acc)[kDirOB][kDirSeg], int k,
                                                                         float* dst, int64_t P, __mmask16 sm,
                                                                         int64_t no, bool relu, bool accumulate) {
#pragma GCC unroll 8
  for (int o = 0; o < kDirOB; o++) {
    if (o >= no) break;
    __m512 r = acc[o][k];
    if (accumulate) r = _mm512_add_ps(_mm512_maskz_loadu_ps(sm, dst + o * P), r);
    if (relu) r = _mm512_max_ps(r, _mm512_setzero_ps());
    _mm512_mask_storeu_ps(dst + o * P, sm, r);
  }
}

// One kernel tap over all input channels: acc[o][k] += w[c][o] * x_k[c] for c < Ci, where x_k[c]
// is the 16 floats at xp[k] + c * cs under mask mk[k] (masked-off lanes are never read: xp[k]
// may point outside the plane) and w[c] the 8 packed weights at wk + c * ws. The masks stay in
// mask registers over the channel loop.
template <int NS>
NG_TARGET_AVX512 inline void direct_taps(__m512 (&acc)[kDirOB][kDirSeg], const float* const (&xp)[NS],
                                         const __mmask16 (&mk)[NS], const float* __restrict wk, int64_t Ci,
                                         int64_t cs, int64_t ws) {
  for (int64_t c = 0; c < Ci; c++, wk += ws) {
    __m512 x[NS];
#pragma GCC unroll 4
    for (int k = 0; k < NS; k++) x[k] = _mm512_maskz_loadu_ps(mk[k], xp[k] + c * cs);
#pragma GCC unroll 8
    for (int o = 0; o < kDirOB; o++) {
      const __m512 w = _mm512_set1_ps(wk[o]);
#pragma GCC unroll 4
      for (int k = 0; k < NS; k++) acc[o][k] = _mm512_fmadd_ps(w, x[k], acc[o][k]);
    }
  }
}

// One tap of a flat tile: segment k reads from x0 + 16 k under mask fm[k * nt].
template <int NS>
NG_TARGET_AVX512 inline __attribute__((always_inline)) void flat_tap(__m512 (&acc)[kDirOB][kDirSeg], const float* x0,
                                                                    const uint16_t* fm, int64_t nt, const float* wk,
                                                                    int64_t Ci, int64_t cs, int64_t ws) {
  __mmask16 mk[NS];
  const float* xp[NS];
#pragma GCC unroll 4
  for (int k = 0; k < NS; k++) {
    mk[k] = static_cast<__mmask16>(fm[k * nt]);
    xp[k] = x0 + k * 16;
  }
  direct_taps<NS>(acc, xp, mk, wk, Ci, cs, ws);
}

// Flat convolutions: same-size ones (stride 1, "same" padding, as in ResNet and LeNet blocks, and
// their input gradients) read the input plane directly; strided ones read its phase planes (see
// split_phases). Segments run across row ends, so no lane idles (a 14-wide row in one 16-lane
// segment wastes 1/8, a 28-wide row in two wastes 1/8) and no tile is spent on a padding row.
// One tile: 8 output channels x NS segments; Ci input channels of the packed weights wb
// ([c][tap][8], KK taps per channel).
template <int NS, bool kSame>
NG_TARGET_AVX512 void flat_tile(float* __restrict out, const float* __restrict in, const float* __restrict wb,
                                const float* bias, int64_t oc0, int64_t no, int64_t s0, const FlatTaps& ft,
                                int64_t Ci, int64_t KK, bool relu, bool accumulate) {
  const int64_t P = ft.OH * ft.OW, nt = ft.ntaps();
  __m512 acc[kDirOB][kDirSeg];
#pragma GCC unroll 8
  for (int o = 0; o < kDirOB; o++) {
    const __m512 b0 = _mm512_set1_ps(bias && o < no ? bias[oc0 + o] : 0.0f);
#pragma GCC unroll 4
    for (int k = 0; k < NS; k++) acc[o][k] = b0;
  }
  // The tile's output lines are written (and, accumulating, read) at the end; fetch them while
  // the taps run (8 planes at once defeat the hardware prefetcher; a miss at the end stalls the
  // store; measured faster for plain stores too).
  for (int o = 0; o < kDirOB && o < no; o++)
      for (int k = 0; k < NS; k++) {
        const char* p = reinterpret_cast<const char*>(out + (oc0 + o) * P + (s0 + k) * 16);
        _mm_prefetch(p, _MM_HINT_T0);
        _mm_prefetch(p + 63, _MM_HINT_T0);
      }
  const uint16_t* fm = ft.mask.data() + s0 * nt;
  if constexpr (kSame) {
    for (int64_t kh = 0; kh < ft.KH; kh++)
      for (int64_t kw = 0; kw < ft.KW; kw++) {
        const int64_t kk = kh * ft.KW + kw;
        flat_tap<NS>(acc, in + s0 * 16 + (kh * ft.dh - ft.ph) * ft.OW + kw * ft.dw - ft.pw, fm + kk, nt,
                     wb + kk * kDirOB, Ci, ft.cs, KK * kDirOB);
      }
  } else {
    for (int64_t t = 0; t < nt; t++)
      flat_tap<NS>(acc, in + s0 * 16 + ft.off[t], fm + t, nt, wb + ft.kk[t] * kDirOB, Ci, ft.cs, KK * kDirOB);
  }
#pragma GCC unroll 4
  for (int k = 0; k < NS; k++) {
    const int64_t p0 = (s0 + k) * 16, rest = P - p0;
    const __mmask16 sm = rest >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << rest) - 1);
    float* dst = out + oc0 * P + p0;
    store_segment(acc, k, dst, P, sm, no, relu, accumulate);
  }
}

// out (Co, OH, OW) = relu?(bias + flat conv), or out += it (accumulate): tiles of 3 segments, the
// last 4 segments as 2 + 2 when 1 would be left over. next (next_floats): what the caller reads
// after this call (the next image's input), prefetched over the tiles; may be null.
NG_TARGET_AVX512 void direct_conv_flat(float* out, const float* in, const float* wp, const float* bias, int64_t Ci,
                                       int64_t Co, int64_t KK, const FlatTaps& ft, bool relu, bool accumulate,
                                       const float* next = nullptr, int64_t next_floats = 0) {
  const int64_t nseg = ft.nseg(), nob = (Co + kDirOB - 1) / kDirOB;
  PrefetchSpread pf(next, next_floats, (nseg + 2) / 3 * nob);
  for (int64_t s0 = 0; s0 < nseg;) {
    const int64_t left = nseg - s0;
    const int ns = left >= 5 || left == 3 ? 3 : left == 1 ? 1 : 2;
    for (int64_t ob = 0; ob < nob; ob++) {
      const float* wb = wp + ob * Ci * KK * kDirOB;
      const int64_t oc0 = ob * kDirOB, no = std::min<int64_t>(kDirOB, Co - oc0);
      pf.pump();
      if (ft.same) {
        if (ns == 3) flat_tile<3, true>(out, in, wb, bias, oc0, no, s0, ft, Ci, KK, relu, accumulate);
        else if (ns == 2) flat_tile<2, true>(out, in, wb, bias, oc0, no, s0, ft, Ci, KK, relu, accumulate);
        else flat_tile<1, true>(out, in, wb, bias, oc0, no, s0, ft, Ci, KK, relu, accumulate);
      } else {
        if (ns == 3) flat_tile<3, false>(out, in, wb, bias, oc0, no, s0, ft, Ci, KK, relu, accumulate);
        else if (ns == 2) flat_tile<2, false>(out, in, wb, bias, oc0, no, s0, ft, Ci, KK, relu, accumulate);
        else flat_tile<1, false>(out, in, wb, bias, oc0, no, s0, ft, Ci, KK, relu, accumulate);
      }
    }
    s0 += ns;
  }
}

// Strided convolutions as flat convolutions over phase planes: tap (kh, kw) of phase (a, b)
// (for_each_tap_phase) reads phase plane (a, b), which holds input rows
// a, a + sh, ... and columns b, b + sw, ..., at (oh + u, ow + v). Phase planes have the output's
// shape (OH, OW), zero past the input's end. Only the phases some tap reads are built.
struct PhaseTaps {
  FlatTaps ft;
  std::vector<int64_t> phase_slot;  // per phase a sw + b: its index among the built planes, or -1
  int64_t nplanes = 0;
  explicit PhaseTaps(const Conv2dShape& s, int64_t Cg) {
    const int64_t P = s.OH * s.OW;
    phase_slot.assign(s.sh * s.sw, -1);
    ft.OH = s.OH;
    ft.OW = s.OW;
    ft.cs = P;
    for_each_tap_phase(s, [&](int64_t kh, int64_t kw, int64_t u, int64_t v, int64_t a, int64_t b) {
      int64_t& slot = phase_slot[a * s.sw + b];
      if (slot < 0) slot = nplanes++;
      ft.add(u, v, slot * Cg * P, kh * s.KW + kw);
    });
    ft.build_masks();
  }
};

// Column stride 2: both column phases of the input rows a, a + sh, ... of one plane (W wide) from
// the same loads (32 columns per step, masked at the row's end: columns past it read 0), split
// into even and odd lanes: rows of OW in even / odd (either may be null), OH rows, rows past the
// input's H written 0. One call per plane (a call per row cost more than its loads and stores).
NG_TARGET_AVX512 void split_plane_pairs(float* __restrict even, float* __restrict odd, const float* __restrict plane,
                                        int64_t a, int64_t sh, int64_t H, int64_t W, int64_t OH, int64_t OW) {
  const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i io = _mm512_add_epi32(ie, _mm512_set1_epi32(1));
  for (int64_t i = 0; i < OH; i++) {
    const int64_t ih = i * sh + a;
    float* e = even ? even + i * OW : nullptr;
    float* o = odd ? odd + i * OW : nullptr;
    const float* src = plane + ih * W;
    for (int64_t j0 = 0; j0 < OW; j0 += 16) {
      const int64_t c0 = 2 * j0, left = ih < H ? W - c0 : 0;  // rows past the input read 0
      const __m512 lo = _mm512_maskz_loadu_ps(lanes16(left), src + c0);
      const __m512 hi = _mm512_maskz_loadu_ps(lanes16(left - 16), src + c0 + 16);
      const __mmask16 sm = lanes16(OW - j0);
      if (e) _mm512_mask_storeu_ps(e + j0, sm, _mm512_permutex2var_ps(lo, ie, hi));
      if (o) _mm512_mask_storeu_ps(o + j0, sm, _mm512_permutex2var_ps(lo, io, hi));
    }
  }
}

// The input gradient of a strided convolution, phase by phase: dx at input row i sh + a, column
// j sw + b (phase (a, b)) = sum over the taps (kh, kw) of that phase of W[., ., kh, kw]^T dpre at
// (i - u, j - v), a flat convolution of dpre (planes of OH x OW) into a phase plane of dx (same
// shape), which phase_scatter_add (merge_plane_pairs: column stride 2) then adds to dx. dx
// positions of no phase's taps get nothing.
struct PhaseGradTaps {
  std::vector<FlatTaps> phase;  // per phase a sw + b; ntaps() == 0: no tap of that phase
  explicit PhaseGradTaps(const Conv2dShape& s) : phase(s.sh * s.sw) {
    for (auto& ft : phase) {
      ft.OH = s.OH;
      ft.OW = s.OW;
      ft.cs = s.OH * s.OW;
    }
    for_each_tap_phase(s, [&](int64_t kh, int64_t kw, int64_t u, int64_t v, int64_t a, int64_t b) {
      phase[a * s.sw + b].add(-u, -v, 0, kh * s.KW + kw);
    });
    all_phases = true;
    for (auto& ft : phase) {
      if (ft.ntaps() > 0) ft.build_masks();
      else all_phases = false;
    }
  }
  bool all_phases = false;  // every phase has taps
};

// dx[c][i sh + a][j sw + b] += src[c][i OW + j] for the positions inside dx (Ci planes (H, W)).
void phase_scatter_add(float* __restrict dx, const float* __restrict src, int64_t Ci, const Conv2dShape& s,
                       int64_t a, int64_t b) {
  const int64_t rows = std::min<int64_t>(s.OH, (s.H - a + s.sh - 1) / s.sh);
  const int64_t cols = std::min<int64_t>(s.OW, (s.W - b + s.sw - 1) / s.sw);
  for (int64_t c = 0; c < Ci; c++)
    for (int64_t i = 0; i < rows; i++) {
      float* d = dx + (c * s.H + i * s.sh + a) * s.W + b;
      const float* r = src + (c * s.OH + i) * s.OW;
      for (int64_t j = 0; j < cols; j++) d[j * s.sw] += r[j];
    }
}

#if NG_X86
// Column stride 2: the two column phases (a, 0) and (a, 1) of Ci planes at once, the inverse of
// split_plane_pairs: rows of even (phase b = 0) and odd (b = 1) planes (OH x OW; either may be
// null: a phase without taps) interleaved by permutes into 32 dx columns per step, added to dx
// (Ci planes (H, W)) row i sh + a, or written as 0 + value (first write: the bits of adding into
// zeros). Masked at the row's end and, for a null phase, off its lanes (those dx elements keep
// what they hold). The same single add per element as phase_scatter_add.
NG_TARGET_AVX512 void merge_plane_pairs(float* __restrict dx, const float* __restrict even, const float* __restrict odd,
                                        int64_t Ci, int64_t a, int64_t sh, int64_t H, int64_t W, int64_t OH,
                                        int64_t OW, bool add) {
  const __m512i ilo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i ihi = _mm512_add_epi32(ilo, _mm512_set1_epi32(8));
  const __mmask16 present = static_cast<__mmask16>((even ? 0x5555 : 0) | (odd ? 0xaaaa : 0));
  const __m512 zero = _mm512_setzero_ps();
  const int64_t rows = std::min<int64_t>(OH, (H - a + sh - 1) / sh), P = OH * OW;
  for (int64_t c = 0; c < Ci; c++)
    for (int64_t i = 0; i < rows; i++) {
      float* d = dx + (c * H + i * sh + a) * W;
      const float* e = even ? even + c * P + i * OW : nullptr;
      const float* o = odd ? odd + c * P + i * OW : nullptr;
      for (int64_t j0 = 0; j0 < OW; j0 += 16) {
        const __mmask16 lm = lanes16(OW - j0);
        const __m512 ev = e ? _mm512_maskz_loadu_ps(lm, e + j0) : zero;
        const __m512 ov = o ? _mm512_maskz_loadu_ps(lm, o + j0) : zero;
        const int64_t c0 = 2 * j0;
        const __mmask16 m0 = lanes16(W - c0) & present, m1 = lanes16(W - c0 - 16) & present;
        __m512 lo = _mm512_permutex2var_ps(ev, ilo, ov), hi = _mm512_permutex2var_ps(ev, ihi, ov);
        lo = _mm512_add_ps(add ? _mm512_maskz_loadu_ps(m0, d + c0) : zero, lo);
        hi = _mm512_add_ps(add ? _mm512_maskz_loadu_ps(m1, d + c0 + 16) : zero, hi);
        _mm512_mask_storeu_ps(d + c0, m0, lo);
        _mm512_mask_storeu_ps(d + c0 + 16, m1, hi);
      }
    }
}
#endif

// dst[slot][c][i OW + j] = in[c][i sh + a][j sw + b] (0 past the input's end) for every built
// phase (a, b): Ci planes (H, W).
void split_phases(float* __restrict dst, const float* __restrict in, int64_t Ci, const Conv2dShape& s,
                  const PhaseTaps& pt) {
  const int64_t P = s.OH * s.OW;
  if (s.sw == 2) {
    for (int64_t a = 0; a < s.sh; a++) {
      const int64_t s0 = pt.phase_slot[a * 2], s1 = pt.phase_slot[a * 2 + 1];
      if (s0 < 0 && s1 < 0) continue;
      for (int64_t c = 0; c < Ci; c++)
        split_plane_pairs(s0 < 0 ? nullptr : dst + (s0 * Ci + c) * P, s1 < 0 ? nullptr : dst + (s1 * Ci + c) * P,
                          in + c * s.H * s.W, a, s.sh, s.H, s.W, s.OH, s.OW);
    }
    return;
  }
  for (int64_t a = 0; a < s.sh; a++)
    for (int64_t b = 0; b < s.sw; b++) {
      const int64_t slot = pt.phase_slot[a * s.sw + b];
      if (slot < 0) continue;
      for (int64_t c = 0; c < Ci; c++) {
        float* d = dst + (slot * Ci + c) * P;
        const float* plane = in + c * s.H * s.W;
        for (int64_t i = 0; i < s.OH; i++) {
          const int64_t ih = i * s.sh + a;
          float* row = d + i * s.OW;
          if (ih >= s.H) {
            std::fill(row, row + s.OW, 0.0f);
            continue;
          }
          const float* src = plane + ih * s.W + b;
          const int64_t nj = std::min<int64_t>(s.OW, (s.W - b + s.sw - 1) / s.sw);
          for (int64_t j = 0; j < nj; j++) row[j] = src[j * s.sw];
          std::fill(row + std::max<int64_t>(nj, 0), row + s.OW, 0.0f);
        }
      }
    }
}

// out (Co, OH, OW) = relu?(bias + conv(in (Ci, H, W))), or out += conv(in) (accumulate); next
// (next_floats): prefetched over the tiles (see direct_conv_flat).
// Every loop over the 8 x 3 accumulators has a constant trip count (unrolled), so they stay in
// registers.
NG_TARGET_AVX512 void direct_conv(float* __restrict out, const float* __restrict in, const float* __restrict wp,
                                  const float* bias, const DirectGeom& g, const DirectMasks& m, bool relu,
                                  bool accumulate, const float* next = nullptr, int64_t next_floats = 0) {
  if (m.flat.ntaps() > 0) {
    direct_conv_flat(out, in, wp, bias, g.Ci, g.Co, g.KH * g.KW, m.flat, relu, accumulate, next, next_floats);
    return;
  }
  const int64_t nv = m.nv, nseg = g.OH * nv, H = g.H, W = g.W, HW = H * W, P = g.OH * g.OW;
  const int64_t KH = g.KH, KW = g.KW, KK = KH * KW, Ci = g.Ci, ph = g.ph, pw = g.pw, dh = g.dh, dw = g.dw;
  const int64_t nob = (g.Co + kDirOB - 1) / kDirOB;
  PrefetchSpread pf(next, next_floats, (nseg + kDirSeg - 1) / kDirSeg * nob);
  for (int64_t s0 = 0; s0 < nseg; s0 += kDirSeg) {
    // Per segment: output row and column block, and its validity (the last tile may be short).
    int64_t row[kDirSeg], v[kDirSeg];
    bool ok[kDirSeg];
#pragma GCC unroll 4
    for (int k = 0; k < kDirSeg; k++) {
      ok[k] = s0 + k < nseg;
      const int64_t sg = ok[k] ? s0 + k : s0;
      row[k] = sg / nv;
      v[k] = sg % nv;
    }
    for (int64_t ob = 0; ob < nob; ob++) {
      pf.pump();
      const float* wb = wp + ob * Ci * KK * kDirOB;
      __m512 acc[kDirOB][kDirSeg];
#pragma GCC unroll 8
      for (int o = 0; o < kDirOB; o++) {
        const int64_t oc = ob * kDirOB + o;
        const __m512 b0 = _mm512_set1_ps(bias && oc < g.Co ? bias[oc] : 0.0f);
#pragma GCC unroll 4
        for (int k = 0; k < kDirSeg; k++) acc[o][k] = b0;
      }
      for (int64_t kh = 0; kh < KH; kh++) {
        const float* rp[kDirSeg];
        bool valid[kDirSeg];
#pragma GCC unroll 4
        for (int k = 0; k < kDirSeg; k++) {
          const int64_t ih = row[k] - ph + kh * dh;
          valid[k] = ok[k] && ih >= 0 && ih < H;
          rp[k] = valid[k] ? in + ih * W + 16 * v[k] - pw : in;
        }
        for (int64_t kw = 0; kw < KW; kw++) {
          // this kernel column's masks stay in mask registers over the channel loop
          __mmask16 mk[kDirSeg];
          const float* xp[kDirSeg];
#pragma GCC unroll 4
          for (int k = 0; k < kDirSeg; k++) {
            mk[k] = valid[k] ? static_cast<__mmask16>(m.cmask[kw * nv + v[k]]) : static_cast<__mmask16>(0);
            xp[k] = rp[k] + kw * dw;
          }
          direct_taps<kDirSeg>(acc, xp, mk, wb + (kh * KW + kw) * kDirOB, Ci, HW, KK * kDirOB);
        }
      }
      const int64_t no = std::min<int64_t>(kDirOB, g.Co - ob * kDirOB);
#pragma GCC unroll 4
      for (int k = 0; k < kDirSeg; k++) {
        if (!ok[k]) continue;
        const __mmask16 sm = static_cast<__mmask16>(m.smask[v[k]]);
        float* dst = out + ob * kDirOB * P + row[k] * g.OW + 16 * v[k];
        store_segment(acc, k, dst, P, sm, no, relu, accumulate);
      }
    }
  }
}

// The weight gradient by the same tiling: for 8 output channels x TW kernel columns of one
// (c, kh), acc[o][j] (16 lanes) += dpre[o] row segment * input row segment shifted by kw0 + j,
// over every output segment of the image, for NI images in turn (dpos[i], planes[i]). The lane
// sums stay in dwv[ob][c][kk][8][16] (added in place, image after image: NI images per tile add
// in the same order as NI calls of one); direct_dweight_reduce adds their lane totals to dW once
// per chunk.
template <int TW, int NI>
NG_TARGET_AVX512 void direct_dweight_tile(float* __restrict dwv, const float* const (&dpos)[NI],
                                          const float* const (&planes)[NI], int64_t kh, int64_t kw0,
                                          const DirectGeom& g, const DirectMasks& m) {
  const int64_t nv = m.nv, P = g.OH * g.OW, W = g.W, OW = g.OW;
  // the output rows whose input row oh - ph + kh dh exists (padding rows add nothing)
  const int64_t off = kh * g.dh - g.ph;
  const int64_t oh0 = std::max<int64_t>(0, -off), oh1 = std::min<int64_t>(g.OH, g.H - off);
  __m512 acc[kDirOB][TW];
#pragma GCC unroll 8
  for (int o = 0; o < kDirOB; o++)
#pragma GCC unroll 4
    for (int j = 0; j < TW; j++) acc[o][j] = _mm512_loadu_ps(dwv + (j * kDirOB + o) * 16);
#pragma GCC unroll 2
  for (int im = 0; im < NI; im++)
  for (int64_t v = 0; v < nv; v++) {
    __mmask16 mx[TW];
#pragma GCC unroll 4
    for (int j = 0; j < TW; j++) mx[j] = static_cast<__mmask16>(m.cmask[(kw0 + j) * nv + v]);
    const __mmask16 sm = static_cast<__mmask16>(m.smask[v]);
    const float* rp = planes[im] + (oh0 + off) * W - g.pw + kw0 * g.dw + 16 * v;
    const float* dr = dpos[im] + oh0 * OW + 16 * v;
    for (int64_t oh = oh0; oh < oh1; oh++, rp += W, dr += OW) {
      __m512 x[TW];
#pragma GCC unroll 4
      for (int j = 0; j < TW; j++) x[j] = _mm512_maskz_loadu_ps(mx[j], rp + j * g.dw);
#pragma GCC unroll 8
      for (int o = 0; o < kDirOB; o++) {
        const __m512 dv = _mm512_maskz_loadu_ps(sm, dr + o * P);
#pragma GCC unroll 4
        for (int j = 0; j < TW; j++) acc[o][j] = _mm512_fmadd_ps(dv, x[j], acc[o][j]);
      }
    }
  }
#pragma GCC unroll 8
  for (int o = 0; o < kDirOB; o++)
#pragma GCC unroll 4
    for (int j = 0; j < TW; j++) _mm512_storeu_ps(dwv + (j * kDirOB + o) * 16, acc[o][j]);
}

// The weight gradient of a strided convolution by the same lane sums, over the input's phase
// planes (see PhaseTaps): for 8 output channels x TW taps t0.. of the list, acc[o][j] (16 lanes)
// += dpre[o] segment * the phase-plane segment of tap t0 + j (under its mask), over the flat
// segments of the output plane; lanes past the plane's end are masked off dpre.
template <int TW>
NG_TARGET_AVX512 void phase_dweight_tile(float* __restrict dwc, const float* __restrict dpo,
                                         const float* __restrict in_c, const FlatTaps& ft, int64_t t0) {
  const int64_t P = ft.OH * ft.OW, nt = ft.ntaps(), nseg = ft.nseg();
  int64_t off[TW];
  float* at[TW];
#pragma GCC unroll 4
  for (int j = 0; j < TW; j++) {
    off[j] = ft.off[t0 + j];
    at[j] = dwc + ft.kk[t0 + j] * kDirOB * 16;
  }
  __m512 acc[kDirOB][TW];
#pragma GCC unroll 8
  for (int o = 0; o < kDirOB; o++)
#pragma GCC unroll 4
    for (int j = 0; j < TW; j++) acc[o][j] = _mm512_loadu_ps(at[j] + o * 16);
  for (int64_t sg = 0; sg < nseg; sg++) {
    const int64_t p0 = sg * 16;
    const __mmask16 sm = p0 + 16 <= P ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << (P - p0)) - 1);
    const uint16_t* fm = ft.mask.data() + sg * nt + t0;
    __m512 x[TW];
#pragma GCC unroll 4
    for (int j = 0; j < TW; j++) x[j] = _mm512_maskz_loadu_ps(static_cast<__mmask16>(fm[j]), in_c + p0 + off[j]);
#pragma GCC unroll 8
    for (int o = 0; o < kDirOB; o++) {
      const __m512 dv = _mm512_maskz_loadu_ps(sm, dpo + o * P + p0);
#pragma GCC unroll 4
      for (int j = 0; j < TW; j++) acc[o][j] = _mm512_fmadd_ps(dv, x[j], acc[o][j]);
    }
  }
#pragma GCC unroll 8
  for (int o = 0; o < kDirOB; o++)
#pragma GCC unroll 4
    for (int j = 0; j < TW; j++) _mm512_storeu_ps(at[j] + o * 16, acc[o][j]);
}

// dwv[ob][c][kk][8][16] += the lane sums of dW for one image and group: dp (Co, OH, OW) dpre,
// planes: the phase planes of the input (Ci channels); Co a multiple of 8. next_dp (Co x P
// floats) and next_in (next_in_floats): what the caller reads next, prefetched over the tiles.
void phase_dweight(float* dwv, const float* dp, const float* planes, int64_t Ci, int64_t Co, int64_t KK,
                   const FlatTaps& ft, const float* next_dp, const float* next_in, int64_t next_in_floats) {
  const int64_t P = ft.OH * ft.OW, nob = Co / kDirOB, nt = ft.ntaps();
  PrefetchSpread pf[2] = {{next_dp, Co * P, nob * Ci}, {next_in, next_in_floats, nob * Ci}};
  for (int64_t ob = 0; ob < nob; ob++)
    for (int64_t c = 0; c < Ci; c++) {
      pf[0].pump();
      pf[1].pump();
      float* dwc = dwv + (ob * Ci + c) * KK * kDirOB * 16;
      const float* dpo = dp + ob * kDirOB * P;
      const float* in_c = planes + c * P;
      for (int64_t t0 = 0; t0 < nt; t0 += 3) {
        switch (std::min<int64_t>(3, nt - t0)) {
          case 3: phase_dweight_tile<3>(dwc, dpo, in_c, ft, t0); break;
          case 2: phase_dweight_tile<2>(dwc, dpo, in_c, ft, t0); break;
          default: phase_dweight_tile<1>(dwc, dpo, in_c, ft, t0); break;
        }
      }
    }
}

// Whether the weight gradient takes two images per tile: when a tile's sweep of one image is
// short (14 x 14 planes: 14 row segments), its accumulators' load and store and the loop exit
// weigh on it (32 -> 32 3x3 on 14x14: ~114 -> ~150 GF/s with the operands in cache); longer
// sweeps gain nothing (28 x 28: slower).
bool dweight_pairs(const DirectGeom& g, const DirectMasks& m) { return m.nv * g.OH < 32; }

// dwv += the lane sums of dW for NI images (dps[i], ins[i]) of one group: dp (Co, OH, OW) dpre,
// in (Ci, H, W); Co a multiple of 8. next_dp and next_in: what the caller reads next (next_n
// slices shaped as dp and in, one after the other), prefetched over the tiles.
template <int NI>
void direct_dweight_n(float* dwv, const float* const (&dps)[NI], const float* const (&ins)[NI], const DirectGeom& g,
                      const DirectMasks& m, const float* next_dp, const float* next_in, int64_t next_n) {
  const int64_t KK = g.KH * g.KW, P = g.OH * g.OW, nob = (g.Co + kDirOB - 1) / kDirOB;
  const int64_t tiles = nob * g.Ci * g.KH * ((g.KW + 2) / 3);
  PrefetchSpread pf[2] = {{next_dp, g.Co * P * next_n, tiles}, {next_in, g.Ci * g.H * g.W * next_n, tiles}};
  for (int64_t ob = 0; ob < nob; ob++) {
    for (int64_t c = 0; c < g.Ci; c++)
      for (int64_t kh = 0; kh < g.KH; kh++)
        for (int64_t kw0 = 0; kw0 < g.KW; kw0 += 3) {
          pf[0].pump();
          pf[1].pump();
          float* t = dwv + ((ob * g.Ci + c) * KK + kh * g.KW + kw0) * kDirOB * 16;
          const float* dpo[NI];
          const float* plane[NI];
          for (int i = 0; i < NI; i++) {
            dpo[i] = dps[i] + ob * kDirOB * P;
            plane[i] = ins[i] + c * g.H * g.W;
          }
          switch (std::min<int64_t>(3, g.KW - kw0)) {
            case 3: direct_dweight_tile<3, NI>(t, dpo, plane, kh, kw0, g, m); break;
            case 2: direct_dweight_tile<2, NI>(t, dpo, plane, kh, kw0, g, m); break;
            default: direct_dweight_tile<1, NI>(t, dpo, plane, kh, kw0, g, m); break;
          }
        }
  }
}

// dw (Co, Ci, KH, KW) += the lane totals of dwv (a fixed-order tree per element).
NG_TARGET_AVX512 void direct_dweight_reduce(float* dw, const float* dwv, const DirectGeom& g) {
  const int64_t KK = g.KH * g.KW, nob = (g.Co + kDirOB - 1) / kDirOB;
  for (int64_t ob = 0; ob < nob; ob++)
    for (int64_t c = 0; c < g.Ci; c++)
      for (int64_t kk = 0; kk < KK; kk++)
        for (int64_t o = 0; o < kDirOB && ob * kDirOB + o < g.Co; o++)
          dw[((ob * kDirOB + o) * g.Ci + c) * KK + kk] +=
              _mm512_reduce_add_ps(_mm512_loadu_ps(dwv + (((ob * g.Ci + c) * KK + kk) * kDirOB + o) * 16));
}
#endif

// col (K, P) from the Cg planes at src (Cg, H, W). Loop-to-memset/memcpy conversion is off
// here (NG_NO_LIBC_LOOPS): the row segments are short, and a call each costs more than the copy.
NG_NO_LIBC_LOOPS void im2col(float* __restrict col, const float* __restrict src, const Conv2dShape& s, const Dims& d,
                             const Ranges& rg, const float* next = nullptr) {
#if NG_X86
  if (rg.avx512) {
    // next: the caller's next input slice (as src), prefetched over the channel rows
    PrefetchSpread pf(next, d.Cg * d.HW, d.Cg * s.KH);
    im2col_avx512(col, src, s, d, rg, &pf);
    return;
  }
#else
  (void)next;
#endif
  const int64_t OH = s.OH, OW = s.OW, W = s.W, sw = s.sw;
  for (int64_t c = 0; c < d.Cg; c++)
    for (int64_t kh = 0; kh < s.KH; kh++) {
      const int64_t h0 = rg.h[2 * kh], h1 = rg.h[2 * kh + 1];
      const float* plane = src + c * d.HW + (kh * s.dh - s.ph) * W - s.pw;
      for (int64_t kw = 0; kw < s.KW; kw++) {
        float* __restrict row = col + ((c * s.KH + kh) * s.KW + kw) * d.P;
        const int64_t w0 = rg.w[2 * kw], w1 = rg.w[2 * kw + 1];
        for (int64_t i = 0; i < h0 * OW; i++) row[i] = 0.0f;
        for (int64_t oh = h0; oh < h1; oh++) {
          float* __restrict r = row + oh * OW;
          const float* __restrict line = plane + oh * s.sh * W + kw * s.dw;
          for (int64_t ow = 0; ow < w0; ow++) r[ow] = 0.0f;
          if (sw == 1) {
            for (int64_t ow = w0; ow < w1; ow++) r[ow] = line[ow];
          } else {
            for (int64_t ow = w0; ow < w1; ow++) r[ow] = line[ow * sw];
          }
          for (int64_t ow = w1; ow < OW; ow++) r[ow] = 0.0f;
        }
        for (int64_t i = h1 * OW; i < OH * OW; i++) row[i] = 0.0f;
      }
    }
}

// dst (Cg, H, W) += col2im(col (K, P)).
void col2im_add(float* __restrict dst, const float* __restrict col, const Conv2dShape& s, const Dims& d,
                const Ranges& rg) {
  const int64_t OW = s.OW, W = s.W, sw = s.sw;
  for (int64_t c = 0; c < d.Cg; c++)
    for (int64_t kh = 0; kh < s.KH; kh++) {
      const int64_t h0 = rg.h[2 * kh], h1 = rg.h[2 * kh + 1];
      float* plane = dst + c * d.HW + (kh * s.dh - s.ph) * W - s.pw;
      for (int64_t kw = 0; kw < s.KW; kw++) {
        const float* __restrict row = col + ((c * s.KH + kh) * s.KW + kw) * d.P;
        const int64_t w0 = rg.w[2 * kw], w1 = rg.w[2 * kw + 1];
        for (int64_t oh = h0; oh < h1; oh++) {
          const float* __restrict r = row + oh * OW;
          float* __restrict line = plane + oh * s.sh * W + kw * s.dw;
          if (sw == 1) {
            for (int64_t ow = w0; ow < w1; ow++) line[ow] += r[ow];
          } else {
            for (int64_t ow = w0; ow < w1; ow++) line[ow * sw] += r[ow];
          }
        }
      }
    }
}

// In base, images of `image` planes of `plane` floats, `per` planes per group: the slice that a
// loop over images (to n1) and groups reads after (n, g), i.e. (n, g + 1) or (n + 1, 0); null
// after the last. For prefetching (PrefetchSpread); the callers pass the batch's end as n1, so a
// chunk's last image fetches the next chunk's first, which the same thread usually runs next
// (OpenMP's static schedule hands each thread a run of consecutive chunks).
const float* next_slice(const float* base, int64_t image, int64_t per, int64_t plane, int64_t n, int64_t g,
                        int64_t n1, int64_t groups) {
  if (g + 1 < groups) return base + n * image * plane + (g + 1) * per * plane;
  return n + 1 < n1 ? base + (n + 1) * image * plane : nullptr;
}

// Runs body(chunk, n0, n1) over the fixed image chunks, in parallel when the work is large.
// sgemm may throw std::bad_alloc (packing buffers); it is carried out of the parallel region.
template <class F>
void for_chunks(const Conv2dShape& s, const Dims& d, int64_t nchunks, const F& body) {
  const double work = static_cast<double>(s.N) * static_cast<double>(s.OC) * static_cast<double>(d.P) *
                      static_cast<double>(d.K);
  const bool parallel = nchunks > 1 && work >= kParallelWork;
  bool failed = false;
  parallel_for(nchunks, parallel, [&](int64_t c) {
    try {
      body(c, slot_of(parallel), s.N * c / nchunks, s.N * (c + 1) / nchunks);
    } catch (...) {
#pragma omp atomic write
      failed = true;
    }
  });
  if (failed) throw std::bad_alloc();
}

#if NG_X86
// The forward direct kernels' packed weights, per group, in their place of the scratch.
const float* pack_forward(float* scratch, const Layout& lay, const float* weight, const Conv2dShape& s, const Dims& d) {
  float* wp = scratch + lay.slots * lay.slot + lay.partial_total;
  const int64_t gp = direct_pack_floats(d.OCg, d.Cg, d.KK);
  for (int64_t g = 0; g < s.groups; g++) direct_pack(wp + g * gp, weight + g * d.OCg * d.K, d.OCg, d.Cg, d.KK, d.K, d.KK, 1, 0);
  return wp;
}
#endif

}  // namespace

int64_t conv2d_scratch_floats(const Conv2dShape& s, bool backward) {
  const Dims d = dims_of(s);
  return layout_of(s, d, backward, chunks_of(s, d, backward)).floats();
}

void conv2d_forward(float* out, const float* inp, const float* weight, const float* bias,
                    const Conv2dShape& s, ConvAct act, float* scratch, bool accumulate) {
  // out: (N, OC, OH, OW)  inp: (N, C, H, W)  weight: (OC, Cg, KH, KW)  bias: (OC)
  const Dims d = dims_of(s);
  if (s.N == 0 || s.OC == 0 || d.P == 0) return;
  const int64_t nchunks = chunks_of(s, d, false);
  const Layout lay = layout_of(s, d, false, nchunks);
#if NG_X86
  if (d.dfwd) {
    const float* wp = pack_forward(scratch, lay, weight, s, d);
    const int64_t gp = direct_pack_floats(d.OCg, d.Cg, d.KK);
    const DirectGeom dg{d.Cg, d.OCg, s.H, s.W, s.OH, s.OW, s.KH, s.KW, s.ph, s.pw, s.dh, s.dw};
    const DirectMasks m(dg);
    for_chunks(s, d, nchunks, [&](int64_t, int64_t, int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; n++)
        for (int64_t g = 0; g < s.groups; g++)
          direct_conv(out + (n * s.OC + g * d.OCg) * d.P, inp + (n * s.C + g * d.Cg) * d.HW, wp + g * gp,
                      bias ? bias + g * d.OCg : nullptr, dg, m, act == ConvAct::relu, accumulate,
                      next_slice(inp, s.C, d.Cg, d.HW, n, g, s.N, s.groups), d.Cg * d.HW);
    });
    return;
  }
  if (d.dphase) {
    const float* wp = pack_forward(scratch, lay, weight, s, d);
    const int64_t gp = direct_pack_floats(d.OCg, d.Cg, d.KK);
    const PhaseTaps pt(s, d.Cg);
    for_chunks(s, d, nchunks, [&](int64_t, int64_t slot, int64_t n0, int64_t n1) {
      float* planes = scratch + slot * lay.slot;
      for (int64_t n = n0; n < n1; n++)
        for (int64_t g = 0; g < s.groups; g++) {
          split_phases(planes, inp + (n * s.C + g * d.Cg) * d.HW, d.Cg, s, pt);
          direct_conv_flat(out + (n * s.OC + g * d.OCg) * d.P, planes, wp + g * gp, bias ? bias + g * d.OCg : nullptr,
                           d.Cg, d.OCg, d.KK, pt.ft, act == ConvAct::relu, accumulate,
                           next_slice(inp, s.C, d.Cg, d.HW, n, g, s.N, s.groups), d.Cg * d.HW);
        }
    });
    return;
  }
#endif
  GemmEpilogue ep;
  ep.act = act == ConvAct::relu ? Act::relu : Act::none;
  const Ranges rg(s);
  // The bias as one more GEMM row: [W | bias] (OCg, K + 1) @ [col; ones] (K + 1, P) with beta 0,
  // which saves filling the output with the bias and reading it back. Not in bf16 mode (the
  // packed operands are rounded to bf16 there; the bias must stay fp32) nor without im2col.
  // Only while K + 1 fits one K block of the GEMM (256: the smallest KC of the kernel tables):
  // then the bias is added last to the one accumulator, exactly as the beta = 1 store adds it,
  // so results are bit-identical to the fill path (a deeper K would move the block boundary,
  // and training runs would take another trajectory).
  constexpr int64_t kOneKBlock = 256;
  const bool bias_row = bias && !d.direct && d.K + 1 <= kOneKBlock && gemm_precision() == Precision::fp32;
  const int64_t KA = bias_row ? d.K + 1 : d.K;  // GEMM depth
  float* wb = scratch + lay.slots * lay.slot + lay.partial_total;
  if (bias_row)
    for (int64_t o = 0; o < s.OC; o++) {
      std::copy(weight + o * d.K, weight + (o + 1) * d.K, wb + o * KA);
      wb[o * KA + d.K] = bias[o];
    }
  const float* A = bias_row ? wb : weight;
  for_chunks(s, d, nchunks, [&](int64_t, int64_t slot, int64_t n0, int64_t n1) {
    float* col = scratch + slot * lay.slot;
    if (bias_row) std::fill(col + d.K * d.P, col + (d.K + 1) * d.P, 1.0f);  // im2col leaves this row alone
    for (int64_t n = n0; n < n1; n++)
      for (int64_t g = 0; g < s.groups; g++) {
        const float* src = inp + (n * s.C + g * d.Cg) * d.HW;
        float* dst = out + (n * s.OC + g * d.OCg) * d.P;
        if (bias && !bias_row && accumulate) {
          for (int64_t o = 0; o < d.OCg; o++)
            for (int64_t p = 0; p < d.P; p++) dst[o * d.P + p] += bias[g * d.OCg + o];
        } else if (bias && !bias_row) {
          for (int64_t o = 0; o < d.OCg; o++) std::fill(dst + o * d.P, dst + (o + 1) * d.P, bias[g * d.OCg + o]);
        }
        const float* B = src;
        if (!d.direct) {
          im2col(col, src, s, d, rg, next_slice(inp, s.C, d.Cg, d.HW, n, g, s.N, s.groups));
          B = col;
        }
        sgemm(false, false, d.OCg, d.P, KA, 1.0f, A + g * d.OCg * KA, KA, B, d.P, accumulate || (bias && !bias_row) ? 1.0f : 0.0f,
              dst, d.P, &ep);
      }
  });
}

void conv2d_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                     const float* weight, const float* out, const Conv2dShape& s, ConvAct act,
                     float* scratch, bool init) {
  // dinp, inp: (N, C, H, W)  dweight, weight: (OC, Cg, KH, KW)  dbias: (OC)
  // dout, out: (N, OC, OH, OW)
  // init (first write): every gradient element is written once, as v + 0 (the bits of 0 + v,
  // what accumulating into a zero-filled buffer gives: -0 becomes +0), or its slice is zeroed
  // just before the accumulating code (cache-hot). The direct input-gradient kernel stores its
  // sums and the 1x1 GEMM runs with beta 0 (as linearBackwardInit): sums that start from +0 and
  // add products, so they are -0 (written -0 where the accumulating path gives +0) only through
  // products that underflow.
  const Dims d = dims_of(s);
  if (s.N == 0 || s.OC == 0 || d.P == 0) {
    if (init) {  // nothing to add: the gradients are zeros
      if (dinp) std::fill(dinp, dinp + s.N * s.C * d.HW, 0.0f);
      if (dweight) std::fill(dweight, dweight + s.OC * d.K, 0.0f);
      if (dbias) std::fill(dbias, dbias + s.OC, 0.0f);
    }
    return;
  }
  const bool relu = act == ConvAct::relu;
  // With dinp or dweight the bias gradient is summed inside the image loop below (the relu mask
  // reads dout and out there anyway): float row sums per (image, channel), then added per
  // channel in double in image order, the same sums in the same order as the pass of its own
  // that runs when the bias gradient is asked alone (bit-identical).
  const bool fuse_db = dbias && (dinp || dweight);
  if (dbias && !fuse_db) {
    // Threads own blocks of output channels; double sums in a fixed order.
    constexpr int64_t kBlock = 8;
    const int64_t nblk = (s.OC + kBlock - 1) / kBlock;
    parallel_for(nblk, s.N * s.OC * d.P >= kParallelMin && nblk > 1, [=](int64_t blk) {
      for (int64_t o = blk * kBlock; o < std::min(s.OC, (blk + 1) * kBlock); o++) {
        double acc = 0.0;
        for (int64_t n = 0; n < s.N; n++) {
          const int64_t off = (n * s.OC + o) * d.P;
          acc += relu ? relu_masked_sum(dout + off, out + off, d.P) : row_sum(dout + off, d.P);
        }
        grad_put(dbias[o], static_cast<float>(acc), init);
      }
    });
  }
  if (!dinp && !dweight) return;
  const int64_t nchunks = chunks_of(s, d, true);
  const bool partial = nchunks > 1;
  const Layout lay = layout_of(s, d, true, nchunks);
  float* partials = scratch + lay.slots * lay.slot;
  const int64_t wsize = s.OC * d.K;
  const Ranges rg(s);
  std::vector<float> dbp(fuse_db ? s.N * s.OC : 0);
  const BcastDweightGeom bgeom = bcast_geom(s, d);
  const bool bw = dweight && d.dwb;  // the weight gradient by broadcasts
#if NG_X86
  // The input gradient by the direct kernel: a stride-1 convolution of dpre (OCg planes of
  // OH x OW) with the kernel flipped and transposed (Cg outputs), padded by dilation (K - 1) - pad.
  const bool dir = dinp && d.dbwd;
  float* wt = scratch + lay.slots * lay.slot + lay.partial_total;
  const int64_t gpt = direct_pack_floats(d.Cg, d.OCg, d.KK);
  if (dir)
    for (int64_t g = 0; g < s.groups; g++)
      direct_pack(wt + g * gpt, weight + g * d.OCg * d.K, d.Cg, d.OCg, d.KK, d.KK, d.K, -1, d.KK - 1);
  // Strided: the input gradient phase by phase (PhaseGradTaps), with the transposed kernel.
  const bool dirp = dinp && d.dphb;
  if (dirp)
    for (int64_t g = 0; g < s.groups; g++)
      direct_pack(wt + g * gpt, weight + g * d.OCg * d.K, d.Cg, d.OCg, d.KK, d.KK, d.K, 1, 0);
  const PhaseGradTaps pg(dirp ? s : Conv2dShape{});
  const DirectGeom dgt{d.OCg, d.Cg, s.OH, s.OW, s.H, s.W, s.KH, s.KW, s.dh * (s.KH - 1) - s.ph,
                       s.dw * (s.KW - 1) - s.pw, s.dh, s.dw};
  const DirectMasks mt(dir ? dgt : DirectGeom{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1});
  // The weight gradient by direct_dweight: lane sums per chunk in the slot (after the column
  // matrix), reduced into the chunk's dW at its end.
  const bool dirw = dweight && (d.dwd || d.dwp);
  const PhaseTaps pw_taps(dweight && d.dwp ? s : Conv2dShape{}, d.Cg);
  const int64_t gpw = direct_pack_floats(d.OCg, d.Cg, d.KK) * 16;
  const DirectGeom dgf{d.Cg, d.OCg, s.H, s.W, s.OH, s.OW, s.KH, s.KW, s.ph, s.pw, s.dh, s.dw};
  const DirectMasks mf(dweight && d.dwd ? dgf : DirectGeom{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1}, false);
  // two images per weight-gradient tile (dweight_pairs): one group, dpre read in place from dout
  const bool pairs = dirw && d.dwd && !d.dwp && !relu && s.groups == 1 && dweight_pairs(dgf, mf);
#else
  constexpr bool dirw = false;
#endif
  for_chunks(s, d, nchunks, [&](int64_t c, int64_t slot, int64_t n0, int64_t n1) {
    float* col = scratch + slot * lay.slot;
    float* dpre = col + col_floats(d, true);
    float* dw = partial ? partials + c * lay.partial : dweight;
    if ((partial || init) && dweight) std::fill(dw, dw + wsize, 0.0f);  // !partial: dw is dweight
    float* dwv = col + d.colb;
    if (dirw) std::fill(dwv, dwv + d.dwv, 0.0f);
    // broadcast weight gradient: its per-image scratch, then dWt (K, OCg) per group for the chunk
    float* bscr = col + d.colb + d.dwv + d.phbf + d.phwf;
    float* dwt = bw ? bscr + bgeom.scratch_floats() : nullptr;
    if (bw) {
      std::fill(dwt, dwt + s.OC * d.K, 0.0f);
      bcast_dweight_begin(bscr, bgeom);
    }
    for (int64_t n = n0; n < n1; n++) {
      const float* g_out = dout + n * s.OC * d.P;
      if (relu) {
        const float* y = out + n * s.OC * d.P;
        for (int64_t i = 0; i < s.OC * d.P; i++) {
          const float v = g_out[i];
          dpre[i] = y[i] > 0.0f ? v : 0.0f;
        }
        g_out = dpre;
      }
      if (fuse_db)  // row_sum of the masked rows = relu_masked_sum, bit for bit
        for (int64_t o = 0; o < s.OC; o++) dbp[n * s.OC + o] = row_sum(g_out + o * d.P, d.P);
      for (int64_t g = 0; g < s.groups; g++) {
        const float* src = inp + (n * s.C + g * d.Cg) * d.HW;
        const float* dp = g_out + g * d.OCg * d.P;
        const float* wg = weight + g * d.OCg * d.K;
        // what the next (image, group) reads: its dout and input slices
        const float* next_dout = next_slice(dout, s.OC, d.OCg, d.P, n, g, s.N, s.groups);
        const float* next_src = next_slice(inp, s.C, d.Cg, d.HW, n, g, s.N, s.groups);
#if NG_X86
        if (dirw && d.dwp) {
          float* planes = col + d.colb + d.dwv + d.phbf;
          split_phases(planes, src, d.Cg, s, pw_taps);
          phase_dweight(dwv + g * gpw, dp, planes, d.Cg, d.OCg, d.KK, pw_taps.ft, next_dout, next_src, d.Cg * d.HW);
        } else if (dirw) {
          // pairs (one group): images n0, n0 + 2, ... take their successor along; the last of an
          // odd chunk goes alone
          const int64_t take = !pairs ? 1 : (n - n0) % 2 ? 0 : std::min<int64_t>(2, n1 - n);
          if (take == 2) {
            const int64_t after = std::min<int64_t>(2, s.N - (n + 2));  // images the next pair reads
            const float* dps[2] = {dp, dp + s.OC * d.P};
            const float* ins[2] = {src, src + s.C * d.HW};
            direct_dweight_n<2>(dwv, dps, ins, dgf, mf, after > 0 ? dout + (n + 2) * s.OC * d.P : nullptr,
                                after > 0 ? inp + (n + 2) * s.C * d.HW : nullptr, after);
          } else if (take == 1) {
            const float* dps[1] = {dp};
            const float* ins[1] = {src};
            direct_dweight_n<1>(dwv + g * gpw, dps, ins, dgf, mf, next_dout, next_src, 1);
          }
        }
#endif
        if (bw) {
          bcast_dweight_image(dwt + g * d.OCg * d.K, dp, src, bscr, bgeom, next_dout, next_src);
        } else if (dweight && !dirw) {
          const float* B = src;
          if (!d.direct) {
            im2col(col, src, s, d, rg);
            B = col;
          }
          sgemm(false, true, d.OCg, d.K, d.P, 1.0f, dp, d.P, B, d.P, 1.0f, dw + g * d.OCg * d.K, d.K);
        }
        if (dinp) {
          float* dst = dinp + (n * s.C + g * d.Cg) * d.HW;
#if NG_X86
          if (dir) {
            // writes every element; fetches the next dout unless the weight gradient did
            const bool fetched = dirw || bw;
            direct_conv(dst, dp, wt + g * gpt, nullptr, dgt, mt, false, !init, fetched ? nullptr : next_dout, d.OCg * d.P);
          } else if (dirp) {
            float* planes = col + d.colb + d.dwv;
            // Column stride 2 (merge_plane_pairs): the two column phases of a row phase at once; a
            // first write needs no zero fill when every phase has taps (each dx element then
            // belongs to exactly one phase and is written).
            const bool pairs2 = s.sw == 2;
            const bool fill = init && !(pairs2 && pg.all_phases);
            if (fill) std::fill(dst, dst + d.Cg * d.HW, 0.0f);  // phases without taps add nothing
            for (int64_t a = 0; a < s.sh; a++) {
              const float* built[2] = {nullptr, nullptr};
              for (int64_t b = 0; b < s.sw; b++) {
                const FlatTaps& ft = pg.phase[a * s.sw + b];
                if (ft.ntaps() == 0) continue;
                float* plane = pairs2 ? planes + b * d.Cg * d.P : planes;
                direct_conv_flat(plane, dp, wt + g * gpt, nullptr, d.OCg, d.Cg, d.KK, ft, false, false);
                if (pairs2) built[b] = plane;
                else phase_scatter_add(dst, plane, d.Cg, s, a, b);
              }
              if (pairs2 && (built[0] || built[1]))
                merge_plane_pairs(dst, built[0], built[1], d.Cg, a, s.sh, s.H, s.W, s.OH, s.OW, !init || fill);
            }
          } else
#endif
          if (d.direct) {
            sgemm(true, false, d.K, d.P, d.OCg, 1.0f, wg, d.K, dp, d.P, init ? 0.0f : 1.0f, dst, d.P);
          } else {
            sgemm(true, false, d.K, d.P, d.OCg, 1.0f, wg, d.K, dp, d.P, 0.0f, col, d.P);
            if (init) std::fill(dst, dst + d.Cg * d.HW, 0.0f);
            col2im_add(dst, col, s, d, rg);
          }
        }
      }
    }
#if NG_X86
    if (dirw)
      for (int64_t g = 0; g < s.groups; g++) direct_dweight_reduce(dw + g * d.OCg * d.K, dwv + g * gpw, dgf);
#endif
    if (bw)
      for (int64_t g = 0; g < s.groups; g++)
        bcast_dweight_add_transposed(dw + g * d.OCg * d.K, dwt + g * d.OCg * d.K, d.OCg, d.K);
  });
  if (fuse_db)
    for (int64_t o = 0; o < s.OC; o++) {
      double acc = 0.0;
      for (int64_t n = 0; n < s.N; n++) acc += dbp[n * s.OC + o];
      grad_put(dbias[o], static_cast<float>(acc), init);
    }
  if (partial && dweight) {
    parallel_for(wsize, wsize * nchunks >= kParallelMin, [=](int64_t i) {
      float acc = 0.0f;
      for (int64_t c = 0; c < nchunks; c++) acc += partials[c * lay.partial + i];
      grad_put(dweight[i], acc, init);
    });
  }
}

void conv2d_forward_maxpool2(float* out, const float* inp, const float* weight, const float* bias,
                             const Conv2dShape& s, ConvAct act, float* scratch) {
  const Dims d = dims_of(s);
  Pool2dShape ps{s.OC, s.OH, s.OW, 2, 2, 2, 2, 0, 0, 1, 1, s.OH / 2, s.OW / 2};
  const int64_t PP = ps.OH * ps.OW;
  if (s.N == 0 || s.OC == 0 || PP == 0) return;
#if NG_X86
  if (d.dfwd) {  // per image: the conv into a per-thread buffer (cache-resident), then the pool
    const int64_t nchunks = chunks_of(s, d, false);
    const float* wp = pack_forward(scratch, layout_of(s, d, false, nchunks), weight, s, d);
    const int64_t gp = direct_pack_floats(d.OCg, d.Cg, d.KK);
    const DirectGeom dg{d.Cg, d.OCg, s.H, s.W, s.OH, s.OW, s.KH, s.KW, s.ph, s.pw, s.dh, s.dw};
    const DirectMasks m(dg);
    for_chunks(s, d, nchunks, [&](int64_t, int64_t, int64_t n0, int64_t n1) {
      thread_local std::vector<float> plane;
      if (plane.size() < static_cast<size_t>(s.OC * d.P)) plane.resize(static_cast<size_t>(s.OC * d.P));
      for (int64_t n = n0; n < n1; n++) {
        for (int64_t g = 0; g < s.groups; g++)
          direct_conv(plane.data() + g * d.OCg * d.P, inp + (n * s.C + g * d.Cg) * d.HW, wp + g * gp,
                      bias ? bias + g * d.OCg : nullptr, dg, m, act == ConvAct::relu, false,
                      next_slice(inp, s.C, d.Cg, d.HW, n, g, s.N, s.groups), d.Cg * d.HW);
        maxpool2d_forward(out + n * s.OC * PP, nullptr, plane.data(), ps);
      }
    });
    return;
  }
#endif
  std::vector<float> full(static_cast<size_t>(s.N * s.OC * d.P));
  conv2d_forward(full.data(), inp, weight, bias, s, act, scratch);
  ps.NC = s.N * s.OC;
  maxpool2d_forward(out, nullptr, full.data(), ps);
}

namespace {

#if NG_X86
// One convolution (one group) of one image on the direct kernels, for the block kernels below:
// stride 1 by direct_conv, strided by its phase planes (split into `planes`) and the flat kernel,
// exactly as conv2d_forward runs each image. ok(): the shape runs on one of them.
struct ImageConv {
  Conv2dShape s;
  Dims d;
  std::vector<float> wp;
  DirectGeom g;
  std::unique_ptr<DirectMasks> m;
  std::unique_ptr<PhaseTaps> pt;
  ImageConv(const Conv2dShape& shape, const float* weight)
      : s(shape), d(dims_of(shape)), g{s.C, s.OC, s.H, s.W, s.OH, s.OW, s.KH, s.KW, s.ph, s.pw, s.dh, s.dw} {
    if (!ok()) return;
    wp.resize(static_cast<size_t>(direct_pack_floats(s.OC, s.C, d.KK)));
    direct_pack(wp.data(), weight, s.OC, s.C, d.KK, d.K, d.KK, 1, 0);
    if (d.dfwd) m = std::make_unique<DirectMasks>(g);
    else pt = std::make_unique<PhaseTaps>(s, s.C);
  }
  bool ok() const { return s.groups == 1 && (d.dfwd || d.dphase); }
  int64_t plane_floats() const { return d.dfwd ? 0 : d.phasef; }
  void run(float* out, const float* in, const float* bias, bool relu, bool accumulate, float* planes,
           const float* next = nullptr, int64_t next_floats = 0) const {
    if (d.dfwd) {
      direct_conv(out, in, wp.data(), bias, g, *m, relu, accumulate, next, next_floats);
      return;
    }
    split_phases(planes, in, s.C, s, *pt);
    direct_conv_flat(out, planes, wp.data(), bias, s.C, s.OC, d.KK, pt->ft, relu, accumulate, next, next_floats);
  }
};
#endif

}  // namespace

// Inference: a residual block, out = relu(shortcut + b2 + conv2(relu(b1 + conv1(inp)))), the
// shortcut inp itself (proj null) or the projection conv(inp) + bias of *proj. With every
// convolution on the direct kernels (one group), image by image: the projection into out (or the
// image copied there, unless out is inp), conv1 into a per-thread buffer, then conv2 adding onto
// out while the image and the buffer are in cache. Otherwise whole-batch convolutions. Either way
// the kernels of conv2d_forward in the order of the per-layer path, so the same bits.
void conv2d_block_forward(float* out, const float* inp, const BlockConv& c1, const BlockConv& c2, const BlockConv* proj,
                          float* scratch) {
  const Conv2dShape &s1 = c1.shape, &s2 = c2.shape;
  const Dims d1 = dims_of(s1), d2 = dims_of(s2);
  const int64_t N = s1.N, image = s1.C * d1.HW, mid = s1.OC * d1.P, oimage = s2.OC * d2.P;
  if (N == 0 || image == 0 || oimage == 0) return;
#if NG_X86
  const ImageConv k1(s1, c1.weight), k2(s2, c2.weight);
  std::unique_ptr<ImageConv> kp = proj ? std::make_unique<ImageConv>(proj->shape, proj->weight) : nullptr;
  if (k1.ok() && k2.ok() && (!kp || kp->ok())) {
    const int64_t planes = std::max(k1.plane_floats(), kp ? kp->plane_floats() : 0);
    for_chunks(s1, d1, chunks_of(s1, d1, false), [&](int64_t, int64_t, int64_t n0, int64_t n1) {
      thread_local std::vector<float> buf;
      if (buf.size() < static_cast<size_t>(mid + planes)) buf.resize(static_cast<size_t>(mid + planes));
      float* hidden = buf.data();
      float* phase = buf.data() + mid;
      for (int64_t n = n0; n < n1; n++) {
        const float* x = inp + n * image;
        float* y = out + n * oimage;
        // the projection first, as the per-layer path runs it (it reads x while x is in cache)
        if (kp) kp->run(y, x, proj->bias, false, false, phase);
        k1.run(hidden, x, c1.bias, true, false, phase);
        if (!kp && y != x) std::copy(x, x + image, y);
        k2.run(y, hidden, c2.bias, true, true, nullptr, n + 1 < N ? x + image : nullptr, image);
      }
    });
    return;
  }
#endif
  std::vector<float> hidden(static_cast<size_t>(N * mid));
  if (proj) conv2d_forward(out, inp, proj->weight, proj->bias, proj->shape, ConvAct::none, scratch);
  conv2d_forward(hidden.data(), inp, c1.weight, c1.bias, s1, ConvAct::relu, scratch);
  if (!proj && out != inp) std::copy(inp, inp + N * image, out);
  conv2d_forward(out, hidden.data(), c2.weight, c2.bias, s2, ConvAct::relu, scratch, true);
}

int64_t conv2d_block_scratch_floats(const BlockConv& c1, const BlockConv& c2, const BlockConv* proj) {
  return std::max({conv2d_scratch_floats(c1.shape, false), conv2d_scratch_floats(c2.shape, false),
                   proj ? conv2d_scratch_floats(proj->shape, false) : int64_t{0}});
}

}  // namespace ng::cpu
