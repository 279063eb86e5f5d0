// Captured steps (ng.compile): while a capture is recording on this thread, every kernel call a
// kind helper makes (kernel<K>(info)(...)) is also stored, with its unwrapped arguments, as a
// CapturedOp; replay runs the stored calls in order, in one native call, with no argument
// unwrapping and no JS in between. Buffers are raw pointers into V8 ArrayBuffers: the JS side
// (lib/tensor/compile.ts) keeps every one of them alive, and owns the intermediates, for as long
// as the capture lives.
//
// Arguments are stored by value; the two pointer kinds that point at a helper's stack (the 4
// attribute doubles of pointwise rows, the 4 padded dims of broadcast shapes) are copied. Ops
// whose result goes to JS (vec_reduce, vec_test), that draw random numbers from JS-given
// offsets (rng, dropout), take pointer arrays (concat) or whose index checks live in the helper
// only (gather, embedding, scatter) are not captured: the recording is marked blocked (the JS
// side then runs the step eagerly). Class-index losses re-check their labels before each replay.
// A loss forward's result (the reduced loss, which its helper stores in the output) is stored by
// the replay too (the helper names the destination with result_to).
//
// A deferred recording (captureBegin(true)) stores the kernel calls without running them, so the
// first run of a step can be a replay on the runner thread (capture_async.cc); the JS side must
// not read what the step computes before that run (item() and toArray() flush: see flush()).
#pragma once
#include <cstdint>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <napi.h>

#include "ops/kinds.h"

namespace ng::binding::capture {

struct CapturedOp {
  virtual ~CapturedOp() = default;
  // Runs the kernel; throws std::out_of_range for bad labels, std::bad_alloc for scratch.
  virtual void run() = 0;
  // Sets the scalar argument at `pos` (a number or boolean); false when it is not one.
  virtual bool set(size_t pos, double v) = 0;
  // Whether set(pos, ...) would succeed (changes nothing).
  virtual bool settable(size_t pos) const = 0;
  // Where run() stores the kernel's result (the reduced loss the helper writes into the output).
  virtual void result_to(float* dst) = 0;
};

// A byte copy (a step's input copied in before its ops run).
struct Copy {
  void* dst;
  const void* src;
  size_t bytes;
};

// Reads an array [dst0, src0, dst1, src1, ...] of typed arrays, each pair of one byte length
// (argument `name`; null or undefined: none).
std::vector<Copy> read_copies(Napi::Env env, const Napi::Value& v, const char* name);

struct Recording {
  std::vector<std::unique_ptr<CapturedOp>> ops;
  std::string blocked;  // the first op that cannot be captured ("" when none)
  // Deferred recording (captureBegin(true)): capturable kernel calls are stored without running;
  // ops[ran, size) have not run yet. A call that cannot be captured, and captureFlush(), run
  // them first and end the deferral (the rest of the step runs eagerly, as it is blocked).
  bool deferred = false;
  size_t ran = 0;
  std::vector<Copy> copies;  // done by a flush before the stored ops (the inputs they read)
  std::vector<Copy> ready;   // the step's inputs already copied in (dst ranges): read freely
  napi_env env = nullptr;  // the recording thread's environment (errors of a flush)
};

// The recording in progress on this thread (nullptr: none).
Recording*& current();

// Runs a deferred recording's ops that have not run yet and ends the deferral; on a failing op
// throws the error an eager call would have thrown (a JS exception: call on the JS thread only).
void flush(Recording& rec);

// A finished recording as JS holds it (an External). Replays may run on the runner thread
// (capture_async.cc), one after another in submission order: `running` counts those whose
// promise has not settled (read and written on the JS thread only; while it is not 0 the program
// can be neither freed nor replayed synchronously); `queued` (under `m`) counts those the runner
// has not finished, so the JS thread can wait for the buffers to be quiet (captureWait).
struct Program {
  Recording* rec = nullptr;
  int running = 0;
  std::mutex m;
  std::condition_variable cv;
  int queued = 0;
  ~Program() { delete rec; }
  // Blocks until the runner has finished every replay of this program submitted so far.
  void wait_finished() {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [this] { return queued == 0; });
  }
};

// The program argument info[0] (throws a TypeError for anything else or a freed one, and an Error
// for a running one unless `allow_running`: `what` names the call, as in "captureReplay").
Program* program_arg(const Napi::CallbackInfo& info, const char* what, bool allow_running = false);

// Checks the patches argument (info[1]: Float64Array of (op, position, value) triples, or null)
// against the recording and returns the triples; apply_patches sets them.
std::vector<double> read_patches(const Napi::CallbackInfo& info, const Recording& rec);
void apply_patches(Recording& rec, const std::vector<double>& patches);

// Runs every op of a recording in order; on failure returns the error (kind: 1 RangeError,
// 2 out of memory, 3 Error) instead of throwing, so it can run on any thread.
struct RunError {
  int kind = 0;
  std::string message;
};
RunError run_ops(Recording& rec);
RunError run_range(Recording& rec, size_t from);  // ops[from, size)

// How an argument of type T is stored and passed back.
template <class T>
struct Hold {
  using type = std::decay_t<T>;
  static type keep(T v) { return v; }
  static const type& use(const type& h) { return h; }
};
template <class E>
struct Four {
  E v[4];
};
// A pointer to 4 values on the helper's stack: copied.
template <class E>
struct HoldFour {
  using type = Four<E>;
  static type keep(const E* p) {
    type h{};
    if (p) std::memcpy(h.v, p, sizeof h.v);
    return h;
  }
  static const E* use(const type& h) { return h.v; }
};
template <>
struct Hold<const double*> : HoldFour<double> {};  // the attributes of a pointwise row
template <>
struct Hold<const int64_t*> : HoldFour<int64_t> {};  // broadcast dims padded to 4

template <ops::Kind K>
constexpr bool capturable() {
  using ops::Kind;
  return K != Kind::vec_reduce && K != Kind::vec_test && K != Kind::rng && K != Kind::dropout &&
         K != Kind::concat && K != Kind::concat_bwd && K != Kind::embedding && K != Kind::embedding_bwd &&
         K != Kind::gather_rows && K != Kind::gather_rows_i32 && K != Kind::scatter_add_rows &&
         // index-carrying inputs checked by the binding (lengths, bag ids/offsets): a replay with
         // new values would skip those checks, so these run eagerly.
         K != Kind::rnn && K != Kind::rnn_bwd && K != Kind::embedding_bag && K != Kind::embedding_bag_bwd;
}

void check_labels(const int32_t* labels, int64_t n, int64_t classes, int32_t ignore_index);

template <class T>
bool assign(T& dst, double v) {
  if constexpr (std::is_same_v<T, bool>) {
    dst = v != 0.0;
    return true;
  } else if constexpr (std::is_arithmetic_v<T>) {
    dst = static_cast<T>(v);
    return true;
  } else {
    return false;
  }
}

template <ops::Kind K, class R, class... P>
class Captured final : public CapturedOp {
 public:
  using Fn = R (*)(P...);
  Captured(Fn fn, P... a) : fn_(fn), args_(Hold<P>::keep(a)...) {}
  void run() override {
    using ops::Kind;
    if constexpr (K == Kind::cross_entropy) {
      check_labels(std::get<3>(args_), std::get<5>(args_), std::get<6>(args_), std::get<8>(args_));
    } else if constexpr (K == Kind::nll) {
      check_labels(std::get<2>(args_), std::get<4>(args_), std::get<5>(args_), std::get<6>(args_));
    }
    if constexpr (std::is_arithmetic_v<R>) {
      const R v = call(std::index_sequence_for<P...>{});
      if (dst_) *dst_ = static_cast<float>(v);
    } else {
      call(std::index_sequence_for<P...>{});
    }
  }
  bool set(size_t pos, double v) override { return set_at(pos, v, std::index_sequence_for<P...>{}); }
  bool settable(size_t pos) const override {
    auto copy = args_;
    return set_in(copy, pos, 0.0, std::index_sequence_for<P...>{});
  }
  void result_to(float* dst) override { dst_ = dst; }

 private:
  template <size_t... I>
  R call(std::index_sequence<I...>) {
    return fn_(Hold<P>::use(std::get<I>(args_))...);
  }
  template <size_t... I>
  bool set_at(size_t pos, double v, std::index_sequence<I...> seq) {
    return set_in(args_, pos, v, seq);
  }
  template <class Tuple, size_t... I>
  static bool set_in(Tuple& args, size_t pos, double v, std::index_sequence<I...>) {
    bool ok = false;
    ((I == pos ? (ok = assign(std::get<I>(args), v), 0) : 0), ...);
    return ok;
  }
  Fn fn_;
  std::tuple<typename Hold<P>::type...> args_;
  float* dst_ = nullptr;
};

const char* op_name(ops::Op op);

// A kernel as the kind helpers call it: records the call when a capture is in progress.
template <ops::Kind K>
struct Kernel {
  typename ops::KindFn<K>::type fn;
  ops::Op op;

  template <class... A>
  auto operator()(A&&... a) const {
#ifndef NG_DEVICE_ARGS  // the CUDA addon has no captures (capture.cc is the CPU addon's)
    if (Recording* r = current()) {
      if constexpr (capturable<K>()) {
        if (r->deferred) {
          // stored, not run: a forward loss's number is 0 now (the helper stores the result into
          // its output; the run stores the real one there through result_to)
          record(r, fn, a...);
          using R = decltype(fn(std::forward<A>(a)...));
          if constexpr (std::is_void_v<R>) {
            return;
          } else {
            return R{};
          }
        }
      } else if (r->deferred) {
        flush(*r);  // this call reads or returns what the stored ones make
      }
      record(r, fn, a...);
    }
#endif
    return fn(std::forward<A>(a)...);
  }

 private:
  template <class R, class... P, class... A>
  void record(Recording* r, R (*f)(P...), A&... a) const {
    if constexpr (capturable<K>()) {
      r->ops.push_back(std::make_unique<Captured<K, R, P...>>(f, static_cast<P>(a)...));
    } else {
      if (r->blocked.empty()) r->blocked = op_name(op);
    }
  }
};

}  // namespace ng::binding::capture
