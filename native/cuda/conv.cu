// Images (NCHW): conv2d forward/backward as im2col + our GEMM (native/cuda/gemm.cu), per image
// and group, like native/cpu/ops/conv2d.cc (1x1 stride-1 unpadded convolutions skip im2col);
// max / average / adaptive average pooling. Backward kernels ADD into their gradients.
#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ng::cuda {

namespace {

using ops::Conv2dGeom;
using ops::Pool2dGeom;

struct Dims {
  i64 Cg, OCg, K, P, HW;
  bool direct;
};

Dims dims_of(const Conv2dGeom& g) {
  Dims d;
  d.Cg = g.C / g.groups;
  d.OCg = g.OC / g.groups;
  d.K = d.Cg * g.KH * g.KW;
  d.P = g.OH * g.OW;
  d.HW = g.H * g.W;
  d.direct = g.KH == 1 && g.KW == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0;
  return d;
}

// col (K, P) from one image's group channels x (Cg, H, W); zeros where the window is in the padding.
__global__ void im2col_kernel(float* __restrict__ col, const float* __restrict__ x, Conv2dGeom g, i64 K, i64 P) {
  NG_GRID_STRIDE(i, K * P) {
    const i64 p = i % P, k = i / P;
    const i64 kw = k % g.KW, kh = (k / g.KW) % g.KH, c = k / (g.KW * g.KH);
    const i64 oh = p / g.OW, ow = p % g.OW;
    const i64 ih = oh * g.sh - g.ph + kh * g.dh, iw = ow * g.sw - g.pw + kw * g.dw;
    col[i] = (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W) ? x[(c * g.H + ih) * g.W + iw] : 0.0f;
  }
}

// dx (Cg, H, W) += the col (K, P) entries that im2col read from each input position (a gather:
// deterministic, no atomics).
__global__ void col2im_kernel(float* __restrict__ dx, const float* __restrict__ col, Conv2dGeom g, i64 Cg, i64 P) {
  NG_GRID_STRIDE(i, Cg * g.H * g.W) {
    const i64 iw = i % g.W, ih = (i / g.W) % g.H, c = i / (g.W * g.H);
    float acc = 0.0f;
    for (i64 kh = 0; kh < g.KH; kh++) {
      const i64 th = ih + g.ph - kh * g.dh;
      if (th < 0 || th % g.sh != 0) continue;
      const i64 oh = th / g.sh;
      if (oh >= g.OH) continue;
      for (i64 kw = 0; kw < g.KW; kw++) {
        const i64 tw = iw + g.pw - kw * g.dw;
        if (tw < 0 || tw % g.sw != 0) continue;
        const i64 ow = tw / g.sw;
        if (ow >= g.OW) continue;
        acc += col[((c * g.KH + kh) * g.KW + kw) * P + oh * g.OW + ow];
      }
    }
    dx[i] += acc;
  }
}

__global__ void fill_rows_kernel(float* __restrict__ dst, const float* __restrict__ bias, i64 rows, i64 P) {
  NG_GRID_STRIDE(i, rows * P) dst[i] = bias[i / P];
}

__global__ void relu_mask_kernel(float* __restrict__ d, const float* __restrict__ g, const float* __restrict__ y, i64 n) {
  NG_GRID_STRIDE(i, n) d[i] = y[i] > 0.0f ? g[i] : 0.0f;
}

// db[o] += sum over images and positions of d[n, o, :]: one block per channel.
__global__ void channel_sum_kernel(float* __restrict__ db, const float* __restrict__ d, i64 N, i64 OC, i64 P) {
  __shared__ double sh[32];
  for (i64 o = blockIdx.x; o < OC; o += gridDim.x) {
    double acc = 0.0;
    for (i64 q = threadIdx.x; q < N * P; q += blockDim.x) acc += d[((q / P) * OC + o) * P + q % P];
    acc = block_sum(acc, sh);
    if (threadIdx.x == 0) db[o] += static_cast<float>(acc);
  }
}

// First and one-past-last kernel taps whose input row lies in [0, in) (native/cpu/ops/pool2d.cc).
__device__ inline void kernel_range(i64 start, i64 in, i64 k, i64 dil, i64* k0, i64* k1) {
  *k0 = start >= 0 ? 0 : (-start + dil - 1) / dil;
  const i64 hi = (in - start + dil - 1) / dil;
  *k1 = hi < k ? hi : k;
}

__global__ void maxpool_kernel(float* __restrict__ out, int32_t* __restrict__ idx, const float* __restrict__ x, Pool2dGeom g) {
  const i64 P = g.OH * g.OW;
  NG_GRID_STRIDE(i, g.NC * P) {
    const i64 pl = i / P, oh = (i % P) / g.OW, ow = i % g.OW;
    const float* xp = x + pl * g.H * g.W;
    const i64 h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
    i64 kh0, kh1, kw0, kw1;
    kernel_range(h0, g.H, g.KH, g.dh, &kh0, &kh1);
    kernel_range(w0, g.W, g.KW, g.dw, &kw0, &kw1);
    float best = -INFINITY;
    int32_t arg = static_cast<int32_t>((h0 + kh0 * g.dh) * g.W + w0 + kw0 * g.dw);
    for (i64 kh = kh0; kh < kh1; kh++)
      for (i64 kw = kw0; kw < kw1; kw++) {
        const i64 j = (h0 + kh * g.dh) * g.W + w0 + kw * g.dw;
        const float v = xp[j];
        if (v > best || v != v) {  // NaN wins (and a later NaN replaces an earlier one), as on the CPU
          best = v;
          arg = static_cast<int32_t>(j);
        }
      }
    out[i] = best;
    idx[i] = arg;
  }
}

__global__ void maxpool_bwd_kernel(float* __restrict__ dx, const float* __restrict__ dout, const int32_t* __restrict__ idx,
                                   Pool2dGeom g) {
  const i64 P = g.OH * g.OW, HW = g.H * g.W;
  NG_GRID_STRIDE(i, g.NC * P) {
    const int32_t j = idx[i];
    if (j >= 0 && j < HW) atomicAdd(dx + (i / P) * HW + j, dout[i]);
  }
}

struct Win {
  i64 lo, hi, padded;
};
__device__ inline Win avg_window(i64 o, i64 stride, i64 pad, i64 k, i64 in) {
  const i64 start = o * stride - pad;
  const i64 end = start + k < in + pad ? start + k : in + pad;
  return {start > 0 ? start : 0, end < in ? end : in, end - start};
}

template <bool BWD>
__global__ void avgpool_kernel(float* __restrict__ dst, const float* __restrict__ src, Pool2dGeom g, bool include_pad) {
  const i64 P = g.OH * g.OW, HW = g.H * g.W;
  NG_GRID_STRIDE(i, g.NC * P) {
    const i64 pl = i / P, oh = (i % P) / g.OW, ow = i % g.OW;
    const Win wh = avg_window(oh, g.sh, g.ph, g.KH, g.H), ww = avg_window(ow, g.sw, g.pw, g.KW, g.W);
    const i64 div = include_pad ? wh.padded * ww.padded : (wh.hi - wh.lo) * (ww.hi - ww.lo);
    if (BWD) {
      if (div <= 0) continue;
      const float v = src[i] / static_cast<float>(div);
      for (i64 ih = wh.lo; ih < wh.hi; ih++)
        for (i64 iw = ww.lo; iw < ww.hi; iw++) atomicAdd(dst + pl * HW + ih * g.W + iw, v);
    } else {
      float acc = 0.0f;
      for (i64 ih = wh.lo; ih < wh.hi; ih++)
        for (i64 iw = ww.lo; iw < ww.hi; iw++) acc += src[pl * HW + ih * g.W + iw];
      dst[i] = div > 0 ? acc / static_cast<float>(div) : 0.0f;
    }
  }
}

template <bool BWD>
__global__ void adaptive_kernel(float* __restrict__ dst, const float* __restrict__ src, i64 NC, i64 H, i64 W, i64 OH,
                                i64 OW) {
  NG_GRID_STRIDE(i, NC * OH * OW) {
    const i64 pl = i / (OH * OW), oh = (i / OW) % OH, ow = i % OW;
    const i64 h0 = oh * H / OH, h1 = ((oh + 1) * H + OH - 1) / OH;
    const i64 w0 = ow * W / OW, w1 = ((ow + 1) * W + OW - 1) / OW;
    const float div = static_cast<float>((h1 - h0) * (w1 - w0));
    if (BWD) {
      const float v = src[i] / div;
      for (i64 ih = h0; ih < h1; ih++)
        for (i64 iw = w0; iw < w1; iw++) atomicAdd(dst + pl * H * W + ih * W + iw, v);
    } else {
      float acc = 0.0f;
      for (i64 ih = h0; ih < h1; ih++)
        for (i64 iw = w0; iw < w1; iw++) acc += src[pl * H * W + ih * W + iw];
      dst[i] = acc / div;
    }
  }
}

}  // namespace

void conv2d_forward(float* out, const float* x, const float* w, const float* bias, const ops::Conv2dGeom& g,
                    ops::ConvAct act) {
  const Dims d = dims_of(g);
  if (g.N == 0 || g.OC == 0 || d.P == 0) return;
  Scratch col(d.direct ? 0 : static_cast<size_t>(d.K * d.P) * sizeof(float));
  const LinearAct ep = act == ops::ConvAct::relu ? LinearAct::relu : LinearAct::none;
  for (i64 n = 0; n < g.N; n++)
    for (i64 gi = 0; gi < g.groups; gi++) {
      const float* src = x + (n * g.C + gi * d.Cg) * d.HW;
      float* dst = out + (n * g.OC + gi * d.OCg) * d.P;
      if (bias) {
        fill_rows_kernel<<<grid_for(d.OCg * d.P), kThreads, 0, stream()>>>(dst, bias + gi * d.OCg, d.OCg, d.P);
        launched("conv2d bias");
      }
      const float* B = src;
      if (!d.direct) {
        im2col_kernel<<<grid_for(d.K * d.P), kThreads, 0, stream()>>>(col.as<float>(), src, g, d.K, d.P);
        launched("conv2d im2col");
        B = col.as<float>();
      }
      gemm(false, false, d.OCg, d.P, d.K, 1.0f, w + gi * d.OCg * d.K, d.K, B, d.P, bias ? 1.0f : 0.0f, dst, d.P, nullptr, ep);
    }
}

void conv2d_backward(float* dx, float* dw, float* db, const float* dout, const float* x, const float* w, const float* out,
                     const ops::Conv2dGeom& g, ops::ConvAct act) {
  const Dims d = dims_of(g);
  if (g.N == 0 || g.OC == 0 || d.P == 0) return;
  const i64 n_out = g.N * g.OC * d.P;
  Scratch masked(act == ops::ConvAct::relu ? static_cast<size_t>(n_out) * sizeof(float) : 0);
  const float* dpre = dout;
  if (act == ops::ConvAct::relu) {
    relu_mask_kernel<<<grid_for(n_out), kThreads, 0, stream()>>>(masked.as<float>(), dout, out, n_out);
    launched("conv2d backward relu");
    dpre = masked.as<float>();
  }
  if (db) {
    const unsigned grid = static_cast<unsigned>(g.OC < (1 << 20) ? g.OC : (1 << 20));
    channel_sum_kernel<<<grid, kThreads, 0, stream()>>>(db, dpre, g.N, g.OC, d.P);
    launched("conv2d backward bias");
  }
  if (!dx && !dw) return;
  const size_t col_bytes = d.direct ? 0 : static_cast<size_t>(d.K * d.P) * sizeof(float);
  Scratch col(dw ? col_bytes : 0), dcol(dx ? col_bytes : 0);
  for (i64 n = 0; n < g.N; n++)
    for (i64 gi = 0; gi < g.groups; gi++) {
      const float* src = x + (n * g.C + gi * d.Cg) * d.HW;
      const float* gout = dpre + (n * g.OC + gi * d.OCg) * d.P;
      const float* wg = w + gi * d.OCg * d.K;
      if (dw) {
        const float* B = src;
        if (!d.direct) {
          im2col_kernel<<<grid_for(d.K * d.P), kThreads, 0, stream()>>>(col.as<float>(), src, g, d.K, d.P);
          launched("conv2d backward im2col");
          B = col.as<float>();
        }
        gemm(false, true, d.OCg, d.K, d.P, 1.0f, gout, d.P, B, d.P, 1.0f, dw + gi * d.OCg * d.K, d.K, nullptr,
             LinearAct::none);
      }
      if (dx) {
        float* dsrc = dx + (n * g.C + gi * d.Cg) * d.HW;
        if (d.direct) {
          gemm(true, false, d.K, d.P, d.OCg, 1.0f, wg, d.K, gout, d.P, 1.0f, dsrc, d.P, nullptr, LinearAct::none);
        } else {
          gemm(true, false, d.K, d.P, d.OCg, 1.0f, wg, d.K, gout, d.P, 0.0f, dcol.as<float>(), d.P, nullptr,
               LinearAct::none);
          col2im_kernel<<<grid_for(d.Cg * d.HW), kThreads, 0, stream()>>>(dsrc, dcol.as<float>(), g, d.Cg, d.P);
          launched("conv2d backward col2im");
        }
      }
    }
}

void max_pool2d_forward(float* out, int32_t* idx, const float* x, const ops::Pool2dGeom& g) {
  const i64 n = g.NC * g.OH * g.OW;
  if (n == 0) return;
  maxpool_kernel<<<grid_for(n), kThreads, 0, stream()>>>(out, idx, x, g);
  launched("maxPool2d");
}

void max_pool2d_backward(float* dx, const float* dout, const int32_t* idx, const ops::Pool2dGeom& g) {
  const i64 n = g.NC * g.OH * g.OW;
  if (n == 0) return;
  maxpool_bwd_kernel<<<grid_for(n), kThreads, 0, stream()>>>(dx, dout, idx, g);
  launched("maxPool2d backward");
}

void avg_pool2d_forward(float* out, const float* x, const ops::Pool2dGeom& g, bool count_include_pad) {
  const i64 n = g.NC * g.OH * g.OW;
  if (n == 0) return;
  avgpool_kernel<false><<<grid_for(n), kThreads, 0, stream()>>>(out, x, g, count_include_pad);
  launched("avgPool2d");
}

void avg_pool2d_backward(float* dx, const float* dout, const ops::Pool2dGeom& g, bool count_include_pad) {
  const i64 n = g.NC * g.OH * g.OW;
  if (n == 0) return;
  avgpool_kernel<true><<<grid_for(n), kThreads, 0, stream()>>>(dx, dout, g, count_include_pad);
  launched("avgPool2d backward");
}

void adaptive_avg_pool2d_forward(float* out, const float* x, i64 NC, i64 H, i64 W, i64 OH, i64 OW) {
  if (NC * OH * OW == 0) return;
  adaptive_kernel<false><<<grid_for(NC * OH * OW), kThreads, 0, stream()>>>(out, x, NC, H, W, OH, OW);
  launched("adaptiveAvgPool2d");
}

void adaptive_avg_pool2d_backward(float* dx, const float* dout, i64 NC, i64 H, i64 W, i64 OH, i64 OW) {
  if (NC * OH * OW == 0) return;
  adaptive_kernel<true><<<grid_for(NC * OH * OW), kThreads, 0, stream()>>>(dx, dout, NC, H, W, OH, OW);
  launched("adaptiveAvgPool2d backward");
}

}  // namespace ng::cuda
