// The op table: every native op, its signature kind and the names its kind uses for messages.
//
//   NG_OP(name, kind, params)
//     name    the function name JavaScript calls (native.backends.<device>.<name>)
//     kind    the argument signature (native/ops/kinds.h): one shared unwrap/validate/dispatch
//             helper per kind in native/binding/kind_*.cc, one kernel type per kind
//     params  comma-separated names the kind reads from the row (arrays and attributes, see
//             the kind's comment in kinds.h); "" when the kind names everything itself
//
// Adding an op = one row here + its kernel in each backend's table (native/cpu/backend.cc) +
// the same row in lib/native.ts (test/native/op_table.test.ts fails when the two differ).
#pragma once
#include <cstdint>

// clang-format off
#define NG_OP_TABLE(X)                                                        \
  /* pointwise: (out, x, n, ...attrs) */                                      \
  X(reluForward,        pointwise,     "out,x")                               \
  X(leakyReluForward,   pointwise,     "out,x,slope")                         \
  X(eluForward,         pointwise,     "out,x,alpha")                         \
  X(seluForward,        pointwise,     "out,x")                               \
  X(geluForward,        pointwise,     "out,x")                               \
  X(geluTanhForward,    pointwise,     "out,x")                               \
  X(siluForward,        pointwise,     "out,x")                               \
  X(sigmoidForward,     pointwise,     "out,x")                               \
  X(tanhForward,        pointwise,     "out,x")                               \
  X(softplusForward,    pointwise,     "out,x,beta,threshold")                \
  X(hardswishForward,   pointwise,     "out,x")                               \
  X(negForward,         pointwise,     "out,x")                               \
  X(expForward,         pointwise,     "out,x")                               \
  X(logForward,         pointwise,     "out,x")                               \
  X(sqrtForward,        pointwise,     "out,x")                               \
  X(absForward,         pointwise,     "out,x")                               \
  X(squareForward,      pointwise,     "out,x")                               \
  X(log1pForward,       pointwise,     "out,x")                               \
  X(sinForward,         pointwise,     "out,x")                               \
  X(cosForward,         pointwise,     "out,x")                               \
  X(addScalarForward,   pointwise,     "out,x,s")                             \
  X(mulScalarForward,   pointwise,     "out,x,s")                             \
  X(powScalarForward,   pointwise,     "out,x,s")                             \
  X(rdivScalarForward,  pointwise,     "out,x,s")                             \
  X(clampForward,       pointwise,     "out,x,lo,hi")                         \
  X(negBackward,        pointwise,     "dx,dout")                             \
  X(mulScalarBackward,  pointwise,     "dx,dout,s")                           \
  X(addInto,            pointwise,     "dst,src")                             \
  X(copy,               pointwise,     "dst,src")                             \
  /* pointwise_bwd: (dx, saved, dout, n, ...attrs); saved is x or out */      \
  X(reluBackward,       pointwise_bwd, "dx,x,dout")                           \
  X(leakyReluBackward,  pointwise_bwd, "dx,x,dout,slope")                     \
  X(eluBackward,        pointwise_bwd, "dx,x,dout,alpha")                     \
  X(seluBackward,       pointwise_bwd, "dx,x,dout")                           \
  X(geluBackward,       pointwise_bwd, "dx,x,dout")                           \
  X(geluTanhBackward,   pointwise_bwd, "dx,x,dout")                           \
  X(siluBackward,       pointwise_bwd, "dx,x,dout")                           \
  X(sigmoidBackward,    pointwise_bwd, "dx,out,dout")                         \
  X(tanhBackward,       pointwise_bwd, "dx,out,dout")                         \
  X(softplusBackward,   pointwise_bwd, "dx,x,dout,beta,threshold")            \
  X(hardswishBackward,  pointwise_bwd, "dx,x,dout")                           \
  X(expBackward,        pointwise_bwd, "dx,out,dout")                         \
  X(logBackward,        pointwise_bwd, "dx,x,dout")                           \
  X(sqrtBackward,       pointwise_bwd, "dx,out,dout")                         \
  X(absBackward,        pointwise_bwd, "dx,x,dout")                           \
  X(squareBackward,     pointwise_bwd, "dx,x,dout")                           \
  X(log1pBackward,      pointwise_bwd, "dx,x,dout")                           \
  X(sinBackward,        pointwise_bwd, "dx,x,dout")                           \
  X(cosBackward,        pointwise_bwd, "dx,x,dout")                           \
  X(powScalarBackward,  pointwise_bwd, "dx,x,dout,s")                         \
  X(rdivScalarBackward, pointwise_bwd, "dx,x,dout,s")                         \
  X(clampBackward,      pointwise_bwd, "dx,x,dout,lo,hi")                     \
  /* broadcasting binary ops; params of binary_bwd: inputs the gradient reads */ \
  X(addForward,         binary,        "")                                    \
  X(subForward,         binary,        "")                                    \
  X(mulForward,         binary,        "")                                    \
  X(divForward,         binary,        "")                                    \
  X(addBackward,        binary_bwd,    "")                                    \
  X(subBackward,        binary_bwd,    "")                                    \
  X(mulBackward,        binary_bwd,    "a,b")                                 \
  X(divBackward,        binary_bwd,    "a,b")                                 \
  /* rows of the last axis */                                                 \
  X(softmaxForward,     rows,          "")                                    \
  X(logSoftmaxForward,  rows,          "")                                    \
  X(softmaxBackward,    rows_bwd,      "")                                    \
  X(logSoftmaxBackward, rows_bwd,      "")                                    \
  /* reductions over (outer, dim, inner) */                                   \
  X(sumForward,         reduce,        "")                                    \
  X(meanForward,        reduce,        "")                                    \
  X(sumBackward,        reduce_bwd,    "")                                    \
  X(meanBackward,       reduce_bwd,    "")                                    \
  X(maxForward,         reduce_index,  "")                                    \
  X(maxBackward,        reduce_index_bwd, "")                                 \
  X(argmax,             argmax,        "")                                    \
  /* layers */                                                                \
  X(linearForward,      linear,        "")                                    \
  X(linearBackward,     linear_bwd,    "")                                    \
  /* i16-mlp: linearBackward that writes dx/dw/db (a gradient's first producer) */ \
  X(linearBackwardInit, linear_bwd,    "")                                    \
  X(layerNormForward,   layer_norm,    "")                                    \
  X(layerNormBackward,  layer_norm_bwd, "")                                   \
  X(batchNormForward,   batch_norm,    "")                                    \
  X(batchNormBackward,  batch_norm_bwd, "")                                   \
  X(dropoutForward,     dropout,       "")                                    \
  X(dropoutBackward,    dropout_bwd,   "")                                    \
  /* images (NCHW) */                                                         \
  X(conv2dForward,      conv2d,        "")                                    \
  X(conv2dBackward,     conv2d_bwd,    "")                                    \
  X(maxPool2dForward,   max_pool2d,    "")                                    \
  X(maxPool2dBackward,  max_pool2d_bwd, "")                                   \
  X(avgPool2dForward,   avg_pool2d,    "")                                    \
  X(avgPool2dBackward,  avg_pool2d_bwd, "")                                   \
  X(adaptiveAvgPool2dForward,  adaptive_avg_pool2d,     "")                   \
  X(adaptiveAvgPool2dBackward, adaptive_avg_pool2d_bwd, "")                   \
  /* images: bilinear upsampling (issue 13) */                                \
  X(upsampleBilinear2dForward,  upsample_bilinear2d,     "")                  \
  X(upsampleBilinear2dBackward, upsample_bilinear2d_bwd, "")                  \
  /* indexed rows */                                                          \
  X(embeddingForward,   embedding,     "")                                    \
  X(embeddingBackward,  embedding_bwd, "")                                    \
  X(gatherRows,         gather_rows,   "")                                    \
  X(gatherRowsI32,      gather_rows_i32, "")                                  \
  X(scatterAddRows,     scatter_add_rows, "")                                 \
  /* text (issue 14): EmbeddingBag, bags of rows reduced by sum, mean or max */ \
  X(embeddingBagForward,  embedding_bag,     "")                              \
  X(embeddingBagBackward, embedding_bag_bwd, "")                              \
  /* layout */                                                                \
  X(concatForward,      concat,        "")                                    \
  X(concatBackward,     concat_bwd,    "")                                    \
  X(sliceForward,       slice,         "")                                    \
  X(sliceBackward,      slice_bwd,     "")                                    \
  X(transposeForward,   transpose,     "out,x")                               \
  X(transposeBackward,  transpose,     "dx,dout")                             \
  /* losses: params of pair_loss(_bwd) name x, y and the attributes */        \
  X(crossEntropyForward,       cross_entropy,           "")                   \
  X(crossEntropyBackward,      cross_entropy_bwd,       "")                   \
  X(crossEntropyDenseForward,  cross_entropy_dense,     "")                   \
  X(crossEntropyDenseBackward, cross_entropy_dense_bwd, "")                   \
  X(nllForward,         nll,           "")                                    \
  X(nllBackward,        nll_bwd,       "")                                    \
  X(bceWithLogitsForward,  bce_logits,     "")                                \
  X(bceWithLogitsBackward, bce_logits_bwd, "")                                \
  X(bceForward,         pair_loss,     "p,y")                                 \
  X(bceBackward,        pair_loss_bwd, "p,y")                                 \
  X(mseForward,         pair_loss,     "x,y")                                 \
  X(mseBackward,        pair_loss_bwd, "x,y")                                 \
  X(l1Forward,          pair_loss,     "x,y")                                 \
  X(l1Backward,         pair_loss_bwd, "x,y")                                 \
  X(huberForward,       pair_loss,     "x,y,delta")                           \
  X(huberBackward,      pair_loss_bwd, "x,y,delta")                           \
  X(hingeForward,       pair_loss,     "x,y,margin")                          \
  X(hingeBackward,      pair_loss_bwd, "x,y,margin")                          \
  X(klDivForward,       kl_div,        "")                                    \
  X(klDivBackward,      kl_div_bwd,    "")                                    \
  /* optimizers and gradient utilities */                                     \
  X(sgdUpdate,          sgd,           "")                                    \
  X(adamUpdate,         adam,          "")                                    \
  X(rmspropUpdate,      rmsprop,       "")                                    \
  X(adagradUpdate,      adagrad,       "")                                    \
  X(l2Norm,             vec_reduce,    "x")                                   \
  X(clipByNorm,         vec_reduce,    "x,maxNorm")                           \
  X(allFinite,          vec_test,      "x")                                   \
  X(scaleInPlace,       vec_map,       "x,s")                                 \
  X(clipByValue,        vec_map,       "x,lo,hi")                             \
  /* creation */                                                              \
  X(fillF32,            vec_map,       "out,value")                           \
  X(arangeF32,          vec_map,       "out,start,step")                      \
  X(fillI32,            fill_i32,      "")                                    \
  X(eyeF32,             eye,           "")                                    \
  X(rngUniform,         rng,           "low,high")                            \
  X(rngNormal,          rng,           "mean,std")                            \
  /* matrix product */                                                        \
  X(gemm,               gemm,          "")                                    \
  /* recurrent layers (i14-rnn): one layer, one direction over time */       \
  X(rnnForward,         rnn,           "")                                    \
  X(rnnBackward,        rnn_bwd,       "")                                    \
  /* attention / transformer (issue 14, i14-gpt) */                           \
  X(attentionForward,   attention,     "")                                    \
  X(attentionBackward,  attention_bwd, "")                                    \
  X(bmm,                bmm,           "")                                    \
  /* i13-fw: backward passes that write their input gradients (a gradient's first producer) */ \
  X(conv2dBackwardInit,    conv2d_bwd,     "")                                \
  X(batchNormBackwardInit, batch_norm_bwd, "")                                \
  X(reluBackwardInit,      pointwise_bwd,  "dx,x,dout")                       \
  X(addBackwardInit,       binary_bwd,     "")                                \
  X(maxPool2dBackwardInit, max_pool2d_bwd, "")                                \
  X(adaptiveAvgPool2dBackwardInit, adaptive_avg_pool2d_bwd, "")             \
  /* i13-bnr: BatchNorm followed by a fused ReLU (CPU) */                     \
  X(batchNormReluForward,       batch_norm,          "")                      \
  X(batchNormReluBackward,      batch_norm_relu_bwd, "")                      \
  X(batchNormReluBackwardInit,  batch_norm_relu_bwd, "")                      \
  /* i13-inf: inference, a conv adding onto its output: out = act(out + conv(x) + bias) (CPU) */ \
  X(conv2dForwardAdd,           conv2d,              "")                      \
  X(conv2dMaxPool2Forward,      conv2d_maxpool2,     "")                      \
  /* inference: an identity residual block (BatchNorms folded), image by image (CPU) */ \
  X(conv2dResidualBlockForward, conv2d_residual,     "")                      \
  X(conv2dProjectionBlockForward, conv2d_proj_block, "")                      \
  /* i13-ar: relu(a + b) as one op, a residual block's join in training (CPU) */ \
  X(addReluForward,             binary,              "")                      \
  X(addReluBackward,            binary_bwd,          "a,b")                   \
  X(addReluBackwardInit,        binary_bwd,          "a,b")                   \
  /* i13-bar: max(BatchNorm(x) + residual, 0), the join after a block's last BatchNorm (CPU);  \
     its backward is batchNormReluBackward on the output, with dresidual */ \
  X(batchNormAddReluForward,    batch_norm_add,      "")                      \
  /* masks: comparisons (float32 0 / 1 results), where, dtype casts */        \
  X(compareF32,         compare,       "")                                    \
  X(compareI32,         compare_i32,   "")                                    \
  X(whereForward,       select,        "")                                    \
  X(whereBackward,      select_bwd,    "")                                    \
  X(castI32ToF32,       cast_to_f32,   "")                                    \
  X(castF32ToI32,       cast_to_i32,   "")                                    \
  /* layout: axes reordered (x.permute) */                                    \
  X(permuteForward,     permute,       "out,x")                               \
  X(permuteBackward,    permute,       "dx,dout")
// clang-format on

// The signature kinds, in one list (kinds.h gives each its kernel type).
#define NG_KIND_LIST(X)                                                                           \
  X(pointwise) X(pointwise_bwd) X(binary) X(binary_bwd) X(rows) X(rows_bwd) X(reduce)             \
  X(reduce_bwd) X(reduce_index) X(reduce_index_bwd) X(argmax) X(linear) X(linear_bwd)             \
  X(layer_norm) X(layer_norm_bwd) X(batch_norm) X(batch_norm_bwd) X(batch_norm_relu_bwd) X(batch_norm_add) X(dropout) X(dropout_bwd)       \
  X(conv2d) X(conv2d_bwd) X(max_pool2d) X(max_pool2d_bwd) X(avg_pool2d) X(avg_pool2d_bwd)        \
  X(adaptive_avg_pool2d) X(adaptive_avg_pool2d_bwd)                                               \
  X(upsample_bilinear2d) X(upsample_bilinear2d_bwd)                                               \
  X(embedding) X(embedding_bwd) X(gather_rows) X(gather_rows_i32) X(scatter_add_rows) X(concat)   \
  X(concat_bwd) X(slice) X(slice_bwd) X(transpose) X(cross_entropy) X(cross_entropy_bwd)          \
  X(cross_entropy_dense) X(cross_entropy_dense_bwd) X(nll) X(nll_bwd) X(bce_logits)               \
  X(bce_logits_bwd) X(pair_loss) X(pair_loss_bwd) X(kl_div) X(kl_div_bwd) X(sgd) X(adam)          \
  X(rmsprop) X(adagrad) X(vec_reduce) X(vec_test) X(vec_map) X(fill_i32) X(eye) X(rng) X(gemm)    \
  /* recurrent layers (i14-rnn) */ X(rnn) X(rnn_bwd) \
  /* text (issue 14) */ X(embedding_bag) X(embedding_bag_bwd) \
  X(attention) X(attention_bwd) X(bmm)                                                          \
  /* i13-inf: inference */ X(conv2d_maxpool2) X(conv2d_residual) X(conv2d_proj_block)            \
  /* masks */ X(compare) X(compare_i32) X(select) X(select_bwd) X(cast_to_f32) X(cast_to_i32)             \
  X(permute)

namespace ng::ops {

enum class Kind : int {
#define NG_KIND_ENUM(k) k,
  NG_KIND_LIST(NG_KIND_ENUM)
#undef NG_KIND_ENUM
};

#define NG_KIND_COUNT_ONE(k) +1
constexpr int kKindCount = 0 NG_KIND_LIST(NG_KIND_COUNT_ONE);
#undef NG_KIND_COUNT_ONE

enum class Op : int {
#define NG_OP_ENUM(name, kind, params) name,
  NG_OP_TABLE(NG_OP_ENUM)
#undef NG_OP_ENUM
  COUNT
};

constexpr int kOpCount = static_cast<int>(Op::COUNT);

struct OpInfo {
  const char* name;
  Kind kind;
  const char* params;
};

constexpr OpInfo kOps[] = {
#define NG_OP_INFO(name, kind, params) {#name, Kind::kind, params},
    NG_OP_TABLE(NG_OP_INFO)
#undef NG_OP_INFO
};

static_assert(sizeof(kOps) / sizeof(kOps[0]) == kOpCount, "one OpInfo per op");

constexpr const char* kKindNames[] = {
#define NG_KIND_NAME(k) #k,
    NG_KIND_LIST(NG_KIND_NAME)
#undef NG_KIND_NAME
};

static_assert(sizeof(kKindNames) / sizeof(kKindNames[0]) == kKindCount, "one name per kind");

constexpr Kind kind_of(Op op) { return kOps[static_cast<int>(op)].kind; }

}  // namespace ng::ops
