// Captured steps replayed off the JS thread (see capture.h):
//   captureReplayAsync(program, patches, copies?) -> Promise<void>
//       checks the patches (on the JS thread), then the runner thread copies `copies` (an array
//       [dst0, src0, dst1, src1, ...] of typed arrays, each pair of one byte length: a step's
//       inputs copied in), sets the patches and runs the program's ops; the promise settles on
//       the JS thread afterwards (rejects with the error a
//       synchronous replay would throw). Replays of one program run one after another in call
//       order; until their promises settle, the program can be neither freed nor replayed
//       synchronously (Error naming the program), and JS must not touch its buffers: the JS side
//       (lib/tensor/compile.ts, the Trainer) holds them until the promise settles.
//   captureWait(program) -> boolean     blocks the JS thread until the runner has finished the
//       program's replays (true when one was running): the buffers are quiet, although the
//       promises settle on a later turn.
//   captureRunnerHold(ms)               tests: the runner starts no job for `ms` milliseconds
//       (at most 10000; 0 lets it go on at once), so a test can see the JS thread run while a
//       replay is pending.
//
// The runner is one thread for the whole process (all Node environments share it; replays run
// one after another): one OpenMP team and one set of thread-local GEMM packing buffers, as for
// the JS thread. Each job carries the submitting thread's kernel thread count, which the runner
// adopts (set_num_threads also flushes denormals on the runner and its team, as the addon does
// for the JS thread at load), and its GEMM precision (ng.autocast), which is in force for the
// replay's duration as an override of the setting (set_gemm_precision_override: process-wide,
// so kernels the JS thread runs meanwhile see it too; the setting itself, which the JS thread's
// autocast may change meanwhile, is left alone), so a replay computes exactly what it would on
// the JS thread.
// Completion comes back through a thread-safe function (it keeps the event loop alive while a
// replay runs). An environment torn down while a replay runs waits for it in a cleanup hook, so
// the runner never writes into freed buffers.
#include <napi.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "binding/args.h"
#include "binding/capture.h"
#include "binding/registry.h"
#include "core/threads.h"
#include "cpu/gemm/gemm.h"

namespace ng::binding::capture {

namespace {

class Runner {
 public:
  // Never destroyed: the thread is detached and may be waiting for work when the process exits.
  static Runner& get() {
    static Runner* r = new Runner();
    return *r;
  }
  void submit(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(m_);
      q_.push_back(std::move(job));
    }
    cv_.notify_one();
  }
  // Starts no job before `until` (the past: at once).
  void hold_until(std::chrono::steady_clock::time_point until) {
    {
      std::lock_guard<std::mutex> lock(m_);
      hold_ = until;
    }
    cv_.notify_one();
  }

 private:
  Runner() { std::thread([this] { loop(); }).detach(); }
  void loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(m_);
        for (;;) {
          if (q_.empty()) {
            cv_.wait(lock);
          } else if (std::chrono::steady_clock::now() < hold_) {
            cv_.wait_until(lock, hold_);
          } else {
            break;
          }
        }
        job = std::move(q_.front());
        q_.pop_front();
      }
      job();
    }
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> q_;
  std::chrono::steady_clock::time_point hold_{};
};

struct Job {
  Program* program;
  Napi::Reference<Napi::Value> keep;  // the External: no finalizer while the job lives
  Napi::Reference<Napi::Value> keep_copies;  // the copies' views (their buffers stay alive)
  std::vector<Copy> copies;
  Napi::Promise::Deferred deferred;
  napi_env env;
  int threads;
  ng::cpu::Precision precision;  // the submitting thread's GEMM precision (ng.autocast)
  std::vector<double> patches;
  RunError error;
  Job(Napi::Env e, Program* p, Napi::Value v)
      : program(p), keep(Napi::Persistent(v)), deferred(Napi::Promise::Deferred::New(e)), env(e) {}
};

// Environment teardown while the job runs: wait for the runner to leave the buffers.
void wait_in_cleanup(void* arg) { static_cast<Job*>(arg)->program->wait_finished(); }

void run_on_runner(Job* job) {
  thread_local int runner_threads = -1;
  if (runner_threads != job->threads) {
    ng::set_num_threads(job->threads);
    runner_threads = job->threads;
  }
  Program* p = job->program;
  for (const Copy& c : job->copies) std::memcpy(c.dst, c.src, c.bytes);
  apply_patches(*p->rec, job->patches);
  // The precision in force when the replay was submitted (an autocast block has usually ended
  // by the time the runner starts), as an override for the replay's duration: the setting,
  // which the JS thread's autocast may change meanwhile, is never written here.
  ng::cpu::set_gemm_precision_override(static_cast<int>(job->precision));
  job->error = run_ops(*p->rec);
  ng::cpu::set_gemm_precision_override(-1);
  {
    std::lock_guard<std::mutex> lock(p->m);
    p->queued--;
  }
  p->cv.notify_all();
}

// On the JS thread, after the runner finished: settle the promise and release the program.
void settle(Napi::Env env, Job* job) {
  napi_remove_env_cleanup_hook(job->env, wait_in_cleanup, job);
  job->program->running--;
  const RunError& e = job->error;
  if (e.kind == 0) {
    job->deferred.Resolve(env.Undefined());
  } else if (e.kind == 1) {
    job->deferred.Reject(Napi::RangeError::New(env, e.message).Value());
  } else {
    job->deferred.Reject(Napi::Error::New(env, e.message).Value());
  }
  delete job;
}

Napi::Value ReplayAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Program* p = program_arg(info, "captureReplayAsync", true);
  if (current() != nullptr) {
    throw Napi::Error::New(env, expected_msg("no capture in progress", "captureReplayAsync()", "a capture recording"));
  }
  std::vector<double> patches = read_patches(info, *p->rec);
  std::vector<Copy> copies = read_copies(env, info[2], "copies");
  auto* job = new Job(env, p, info[0]);
  job->copies = std::move(copies);
  if (!job->copies.empty()) job->keep_copies = Napi::Persistent(info[2]);
  job->threads = ng::get_num_threads();
  job->precision = ng::cpu::requested_gemm_precision();
  job->patches = std::move(patches);
  Napi::Promise promise = job->deferred.Promise();
  Napi::Function noop = Napi::Function::New(env, [](const Napi::CallbackInfo&) {});
  Napi::ThreadSafeFunction tsfn = Napi::ThreadSafeFunction::New(env, noop, "nodegrad.captureReplayAsync", 0, 1);
  p->running++;
  {
    std::lock_guard<std::mutex> lock(p->m);
    p->queued++;
  }
  napi_add_env_cleanup_hook(env, wait_in_cleanup, job);
  Runner::get().submit([job, tsfn]() mutable {
    run_on_runner(job);
    // napi_closing (the environment is going away): the job and its promise are dropped with it.
    tsfn.BlockingCall(job, [](Napi::Env e, Napi::Function, Job* j) { settle(e, j); });
    tsfn.Release();
  });
  return promise;
}

Napi::Value Wait(const Napi::CallbackInfo& info) {
  Napi::Value v = info[0];
  if (!v.IsExternal()) throw Napi::TypeError::New(info.Env(), expected_msg("captured program", "program", describe_value(v)));
  Program* p = v.As<Napi::External<Program>>().Data();
  if (p->running == 0) return Napi::Boolean::New(info.Env(), false);
  p->wait_finished();
  return Napi::Boolean::New(info.Env(), true);
}

Napi::Value RunnerHold(const Napi::CallbackInfo& info) {
  Napi::Value v = info[0];
  const double ms = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1.0;
  if (!(ms >= 0 && ms <= 10000)) {
    throw Napi::RangeError::New(info.Env(), expected_msg("number in [0, 10000]", "ms", describe_value(v)));
  }
  Runner::get().hold_until(std::chrono::steady_clock::now() +
                           std::chrono::microseconds(static_cast<int64_t>(ms * 1000.0)));
  return info.Env().Undefined();
}

}  // namespace

}  // namespace ng::binding::capture

NG_BINDING(capture_async) {
  using namespace ng::binding::capture;
  exports.Set("captureReplayAsync", Napi::Function::New(env, ReplayAsync, "captureReplayAsync"));
  exports.Set("captureWait", Napi::Function::New(env, Wait, "captureWait"));
  exports.Set("captureRunnerHold", Napi::Function::New(env, RunnerHold, "captureRunnerHold"));
}
