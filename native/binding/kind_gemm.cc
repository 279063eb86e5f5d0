// The gemm kind helper (op table row "gemm"): checks leading dimensions, array lengths and
// overlap, then calls the backend's kernel. Shared by every backend's addon (the CUDA addon
// builds it with device-buffer arguments, NG_DEVICE_ARGS). No math here.
//   gemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, bias|null, act 0|1)
#include <napi.h>

#include <new>
#include <stdexcept>
#include <string>

#include "binding/kind.h"

namespace ng::binding {

namespace {

using ng::binding::describe_value;
using ng::binding::expected_msg;

// Elements a row-major rows x cols matrix with leading dimension ld spans (0 if empty).
double span(int64_t rows, int64_t cols, int64_t ld) {
  if (rows == 0 || cols == 0) return 0.0;
  return static_cast<double>(rows - 1) * static_cast<double>(ld) + static_cast<double>(cols);
}

int64_t ld_arg(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t width) {
  const int64_t ld = ng::binding::int_arg(info, i, name, 0);
  const int64_t lo = width > 1 ? width : 1;
  if (ld < lo) {
    throw Napi::RangeError::New(info.Env(), expected_msg("integer >= " + std::to_string(lo), name,
                                                         describe_value(info[i])));
  }
  return ld;
}

float* matrix_arg(const Napi::CallbackInfo& info, size_t i, const char* name, double need,
                  size_t* len) {
  if (need > 9007199254740991.0) {
    throw Napi::RangeError::New(info.Env(), expected_msg("sizes whose product fits in 2^53", name,
                                                         describe_value(info[i])));
  }
  float* p = ng::binding::f32_arg_min(info, i, name, static_cast<size_t>(need));
  *len = static_cast<size_t>(need);
  return p;
}

bool overlaps(const float* a, size_t na, const float* b, size_t nb) {
  return na != 0 && nb != 0 && a < b + nb && b < a + na;
}

}  // namespace

// The gemm kind (op table row "gemm"): C = alpha op(A) op(B) + beta C [+ bias] [relu].
Napi::Value kind_gemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const bool transA = ng::binding::bool_arg(info, 0, "transA");
  const bool transB = ng::binding::bool_arg(info, 1, "transB");
  const int64_t M = ng::binding::int_arg(info, 2, "M", 0);
  const int64_t N = ng::binding::int_arg(info, 3, "N", 0);
  const int64_t K = ng::binding::int_arg(info, 4, "K", 0);
  const float alpha = static_cast<float>(ng::binding::num_arg(info, 5, "alpha"));
  const int64_t lda = ld_arg(info, 7, "lda", transA ? M : K);
  const int64_t ldb = ld_arg(info, 9, "ldb", transB ? K : N);
  const float beta = static_cast<float>(ng::binding::num_arg(info, 10, "beta"));
  const int64_t ldc = ld_arg(info, 12, "ldc", N);
  size_t na = 0, nb = 0, nc = 0;
  const float* A = matrix_arg(info, 6, "A", transA ? span(K, M, lda) : span(M, K, lda), &na);
  const float* B = matrix_arg(info, 8, "B", transB ? span(N, K, ldb) : span(K, N, ldb), &nb);
  float* C = matrix_arg(info, 11, "C", span(M, N, ldc), &nc);

  const float* bias = nullptr;
  ng::ops::LinearAct act = ng::ops::LinearAct::none;
  size_t nbias = 0;
  if (!info[13].IsNull() && !info[13].IsUndefined()) {
    bias = ng::binding::f32_or_null(info, 13, "bias", static_cast<size_t>(N));
    nbias = static_cast<size_t>(N);
  }
  if (!info[14].IsUndefined()) {
    if (!info[14].IsNumber()) {
      throw Napi::TypeError::New(env, expected_msg("0 (none) or 1 (relu)", "act", describe_value(info[14])));
    }
    const double a = info[14].As<Napi::Number>().DoubleValue();
    if (a != 0.0 && a != 1.0) {
      throw Napi::RangeError::New(env, expected_msg("0 (none) or 1 (relu)", "act", describe_value(info[14])));
    }
    act = a == 1.0 ? ng::ops::LinearAct::relu : ng::ops::LinearAct::none;
  }
  // The used range of C must not overlap the inputs (results would be garbage).
  const bool reads_ab = K != 0 && alpha != 0.0f;
  if ((reads_ab && overlaps(C, nc, A, na)) || (reads_ab && overlaps(C, nc, B, nb)) ||
      overlaps(C, nc, bias, nbias)) {
    throw Napi::RangeError::New(env, expected_msg("a C that does not overlap A, B or bias", "C",
                                                  "overlapping memory"));
  }
  try {
    kernel<ng::ops::Kind::gemm>(info)(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, bias, act);
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(env, e.what());
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(env, "Out of memory allocating GEMM packing buffers");
  }
  return env.Undefined();
}

}  // namespace ng::binding
