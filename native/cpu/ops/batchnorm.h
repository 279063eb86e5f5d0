// Batch normalization for (N, C) or (N, C, L) inputs (BatchNorm1d); statistics per channel c
// over the N * L values of that channel.
#pragma once
#include <cstdint>

namespace ng::cpu {

// Training: batch mean and biased variance normalize; saves mean, rstd (C); updates
// running_mean/var (C, either may be null) with momentum, using the UNBIASED variance
// (var * M / (M - 1), M = N * L) for running_var like PyTorch.
// Eval (training == false): normalizes with the running statistics and writes them to
// mean/rstd (rstd = 1 / sqrt(running_var + eps)) so the eval backward can use them.
// weight, bias: (C) or null.
void batchnorm_forward(float* out, float* mean, float* rstd, float* running_mean, float* running_var,
                       const float* inp, const float* weight, const float* bias, int64_t N, int64_t C,
                       int64_t L, float eps, float momentum, bool training, bool relu = false,
                       const float* residual = nullptr);
// training: full batch-statistics gradient; eval: dinp += dout * w * rstd (statistics constant).
// dinp, dweight, dbias may be null. init: they are written (their old contents never read), with
// the bits of adding into zeros (a gradient's first producer).
// relu (forward) / relu_out (backward, the forward's output): BatchNorm followed by a fused ReLU,
// out = max(bn(x), 0) as relu_forward; the backward masks dout where relu_out <= 0 first, with
// the bits of ReLU backward followed by BatchNorm backward.
// residual (forward, with relu; or null): out = max(bn(x) + residual, 0), the bits of BatchNorm
// then addRelu (a residual block's join); its backward is the relu_out one on that output, with
// dres (or null; with relu_out and dinp): the residual's gradient written / added in the same
// pass, the bits of reluBackward(Init) on relu_out.
void batchnorm_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                        const float* weight, const float* mean, const float* rstd, int64_t N, int64_t C,
                        int64_t L, bool training, bool init = false, const float* relu_out = nullptr,
                        float* dres = nullptr);

}  // namespace ng::cpu
