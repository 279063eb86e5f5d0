// Captured steps replayed off the JS thread (see capture.h):
//   captureReplayAsync(program, patches) -> Promise<void>
//       applies the patches (on the JS thread), then runs the program's ops on the runner thread
//       and settles the promise on the JS thread afterwards (rejects with the error a
//       synchronous replay would throw). While it runs, the program cannot be replayed or freed
//       (TypeError naming the program), and JS must not touch its buffers: the JS side
//       (lib/tensor/compile.ts, the Trainer) holds them until the promise settles.
//   captureWait(program) -> boolean     blocks the JS thread until the program's replay has
//       finished on the runner (true when one was running): the buffers are quiet, although the
//       promise settles on a later turn.
//   captureRunnerGate(open)             tests: false holds the runner before its next job (so a
//       test can see the JS thread run while a replay is pending), true lets it go on.
//
// The runner is one thread for the whole process (all Node environments share it; replays run
// one after another): one OpenMP team and one set of thread-local GEMM packing buffers, as for
// the JS thread. Each job carries the submitting thread's kernel thread count, which the runner
// adopts (set_num_threads also flushes denormals on the runner and its team, as the addon does
// for the JS thread at load), so a replay computes exactly what it would on the JS thread.
// Completion comes back through a thread-safe function (it keeps the event loop alive while a
// replay runs). An environment torn down while a replay runs waits for it in a cleanup hook, so
// the runner never writes into freed buffers.
#include <napi.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "binding/args.h"
#include "binding/capture.h"
#include "binding/registry.h"
#include "core/threads.h"

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
  void set_open(bool open) {
    {
      std::lock_guard<std::mutex> lock(m_);
      open_ = open;
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
        cv_.wait(lock, [this] { return open_ && !q_.empty(); });
        job = std::move(q_.front());
        q_.pop_front();
      }
      job();
    }
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> q_;
  bool open_ = true;
};

struct Job {
  Program* program;
  Napi::Reference<Napi::Value> keep;  // the External: no finalizer while the job lives
  Napi::Promise::Deferred deferred;
  napi_env env;
  int threads;
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
  job->error = run_ops(*job->program->rec);
  Program* p = job->program;
  {
    std::lock_guard<std::mutex> lock(p->m);
    p->finished = true;
  }
  p->cv.notify_all();
}

// On the JS thread, after the runner finished: settle the promise and release the program.
void settle(Napi::Env env, Job* job) {
  napi_remove_env_cleanup_hook(job->env, wait_in_cleanup, job);
  job->program->running = false;
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
  Program* p = program_arg(info, "captureReplayAsync");
  if (current() != nullptr) {
    throw Napi::Error::New(env, expected_msg("no capture in progress", "captureReplayAsync()", "a capture recording"));
  }
  apply_patches(info, *p->rec);
  auto* job = new Job(env, p, info[0]);
  job->threads = ng::get_num_threads();
  Napi::Promise promise = job->deferred.Promise();
  Napi::Function noop = Napi::Function::New(env, [](const Napi::CallbackInfo&) {});
  Napi::ThreadSafeFunction tsfn = Napi::ThreadSafeFunction::New(env, noop, "nodegrad.captureReplayAsync", 0, 1);
  p->running = true;
  {
    std::lock_guard<std::mutex> lock(p->m);
    p->finished = false;
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
  if (!p->running) return Napi::Boolean::New(info.Env(), false);
  p->wait_finished();
  return Napi::Boolean::New(info.Env(), true);
}

Napi::Value Gate(const Napi::CallbackInfo& info) {
  if (!info[0].IsBoolean()) throw Napi::TypeError::New(info.Env(), expected_msg("boolean", "open", describe_value(info[0])));
  Runner::get().set_open(info[0].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

}  // namespace

}  // namespace ng::binding::capture

NG_BINDING(capture_async) {
  using namespace ng::binding::capture;
  exports.Set("captureReplayAsync", Napi::Function::New(env, ReplayAsync, "captureReplayAsync"));
  exports.Set("captureWait", Napi::Function::New(env, Wait, "captureWait"));
  exports.Set("captureRunnerGate", Napi::Function::New(env, Gate, "captureRunnerGate"));
}
