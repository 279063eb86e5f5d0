// nodegrad_mpi: MPI collectives on raw typed-array buffers, for data-parallel training.
//
// A separate addon (built only with NODEGRAD_MPI=1 / -DNODEGRAD_MPI=ON) so the default addon
// never links libmpi. Self-contained: its own module init, no shared registry.
//
// Threads: MPI_Init_thread asks for MPI_THREAD_MULTIPLE. Every collective is queued and run,
// in submission order, by ONE communication thread, so the JS thread never blocks in MPI
// unless it asks to (wait()). Completion is reported either to a blocking wait(id) (used by
// DistributedDataParallel at the end of a step, after backward has overlapped the buckets) or
// to a Promise (promise(id), resolved through a thread-safe function on the JS thread).
//
// Safety nets:
// - check=true jobs first all-reduce a small descriptor (kind, count, op/root, dtype) as max and
//   -min: ranks that call different collectives or sizes all get the same mismatch error
//   instead of undefined behaviour in MPI.
// - a watchdog thread aborts the whole job (MPI_Abort) when one collective runs longer than the
//   timeout, printing which collective on which rank: a rank that never calls it (or died) can
//   not hang the others forever.
#include <mpi.h>
#include <napi.h>
#include <pthread.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

enum Kind : int { BARRIER = 0, ALLREDUCE = 1, BROADCAST = 2, ALLGATHER = 3, REDUCE_SCATTER = 4 };
enum Op : int { SUM = 0, MEAN = 1, MAX = 2, MIN = 3 };
enum DType : int { F32 = 0, F64 = 1, I32 = 2, NONE = 3 };

const char* kind_name(int k) {
  switch (k) {
    case BARRIER: return "barrier";
    case ALLREDUCE: return "allReduce";
    case BROADCAST: return "broadcast";
    case ALLGATHER: return "allGather";
    case REDUCE_SCATTER: return "reduceScatter";
  }
  return "unknown collective";
}
const char* op_name(int o) {
  switch (o) { case SUM: return "sum"; case MEAN: return "mean"; case MAX: return "max"; case MIN: return "min"; }
  return "?";
}
const char* dtype_name(int d) {
  switch (d) { case F32: return "float32"; case F64: return "float64"; case I32: return "int32"; }
  return "none";
}

struct Job {
  int64_t id = 0;
  int kind = BARRIER;
  int dtype = NONE;
  int arg = 0;                 // op (allReduce, reduceScatter) or root (broadcast)
  int64_t count = 0;           // elements: allReduce/broadcast the buffer; allGather per rank; reduceScatter this rank's part
  std::vector<int> counts;     // per-rank counts (allGather/reduceScatter with unequal parts); empty = equal
  void* send = nullptr;
  void* recv = nullptr;
  bool check = true;
  // Results (written by the comm thread, read after done).
  bool done = false;
  std::string error;
  double seconds = 0;
  // JS side (main thread only).
  Napi::ObjectReference sendRef, recvRef;
  std::unique_ptr<Napi::Promise::Deferred> deferred;
};

struct State {
  bool initialized = false;
  bool finalized = false;
  int rank = 0, size = 1, localRank = 0, localSize = 1, provided = 0;
  std::atomic<int64_t> timeoutMs{300000};

  std::mutex mu;
  std::condition_variable cv;       // queue / completion
  std::deque<std::shared_ptr<Job>> queue;
  std::map<int64_t, std::shared_ptr<Job>> jobs;  // submitted, not yet collected by JS
  int64_t nextId = 1;
  bool stopping = false;
  std::thread comm;
  // JS threads blocked in wait(): the comm thread then polls MPI without sleeping (finish()).
  std::atomic<int> jsWaiting{0};
  std::mutex pollMu;
  std::condition_variable pollCv;

  // Watchdog: the collective now running and when it must end.
  std::mutex wmu;
  std::condition_variable wcv;
  std::string running;              // empty when idle
  Clock::time_point deadline;
  bool wstop = false;
  std::thread watchdog;

  // Totals for benchmarks.
  std::atomic<int64_t> statJobs{0}, statBytes{0};
  std::atomic<double> statSeconds{0};

  Napi::ThreadSafeFunction tsfn;
  int asyncPending = 0;             // main thread only
};

State* S() {
  static State* s = new State();  // process-wide: MPI is per process; never destroyed (threads may outlive module teardown)
  return s;
}

MPI_Datatype mpi_type(int d) {
  switch (d) { case F32: return MPI_FLOAT; case F64: return MPI_DOUBLE; case I32: return MPI_INT; }
  return MPI_BYTE;
}
size_t dtype_bytes(int d) { return d == F64 ? 8 : d == NONE ? 0 : 4; }
MPI_Op mpi_op(int o) { return o == MAX ? MPI_MAX : o == MIN ? MPI_MIN : MPI_SUM; }

std::string describe_job(const Job& j) {
  std::string s = kind_name(j.kind);
  if (j.kind == BARRIER) return s;
  s += " of " + std::to_string(j.count) + " " + dtype_name(j.dtype) + " values";
  if (j.kind == ALLREDUCE || j.kind == REDUCE_SCATTER) s += std::string(" (op ") + op_name(j.arg) + ")";
  if (j.kind == BROADCAST) s += " (root " + std::to_string(j.arg) + ")";
  return s;
}

void check_mpi(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  throw std::runtime_error(std::string(what) + " failed in MPI: " + std::string(msg, len));
}

// Completes a nonblocking collective. Open MPI makes progress only inside MPI calls, and its
// blocking collectives spin at full speed while they wait for the slowest rank. Where the comm
// thread waits decides whose core it takes:
// - While the JS thread is blocked in wait() for a collective (DDP after backward, ZeRO-1's
//   step), that thread's core is idle: the comm thread tests in a tight loop (lowest latency;
//   after 1 ms it yields the core between tests, for ranks oversubscribing the cores).
// - Otherwise (a DDP bucket sent while backward still computes, or a Promise collective) the
//   rank's compute threads own the cores: the comm thread sleeps between tests (20 us doubling
//   to 200 us) and wakes at once when the JS thread starts waiting.
// (The former loop spun for 100 us at the start of every collective, also while this rank's
// backward pass still computed on the same cores.)
// NODEGRAD_DIST_WAIT=spin uses the blocking calls instead.
int64_t g_spinUs = 500;  // NODEGRAD_DIST_SPIN_US

int finish(MPI_Request* req) {
  State* s = S();
  int done = 0;
  int sleepUs = 20;
  Clock::time_point spinStart{};
  bool spinning = false;
  for (;;) {
    const int rc = MPI_Test(req, &done, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS || done) return rc;
    const bool js = s->jsWaiting.load(std::memory_order_relaxed) > 0;
    if (js) {
      if (!spinning) { spinning = true; spinStart = Clock::now(); sleepUs = 20; }
      if (Clock::now() - spinStart < std::chrono::microseconds(g_spinUs)) continue;
    } else {
      spinning = false;
    }
    std::unique_lock<std::mutex> lk(s->pollMu);
    s->pollCv.wait_for(lk, std::chrono::microseconds(sleepUs), [&] { return !js && s->jsWaiting.load() > 0; });
    sleepUs = std::min(sleepUs * 2, 200);
  }
}

bool g_poll = true;

// Runs a collective in its blocking form, or its nonblocking form completed by finish().
template <typename Blocking, typename Nonblocking>
int collective(Blocking blocking, Nonblocking nonblocking) {
  if (!g_poll) return blocking();
  MPI_Request req;
  const int rc = nonblocking(&req);
  return rc == MPI_SUCCESS ? finish(&req) : rc;
}

// 'mean' = sum / ranks, applied in place after the sum. float32 (gradients) is multiplied by a
// float factor in a loop the compiler vectorizes: the former float->double->float scalar loop
// took ~40% of the communication thread's CPU time for the MLP's 2 MiB gradient (perf).
void scale_mean(void* p, int64_t n, int dtype, int ranks) {
  if (ranks <= 1) return;
  if (dtype == F32) {
    float* __restrict a = static_cast<float*>(p);
    const float f = 1.0f / static_cast<float>(ranks);
    for (int64_t i = 0; i < n; i++) a[i] *= f;
  } else if (dtype == F64) {
    double* __restrict a = static_cast<double*>(p);
    const double f = 1.0 / ranks;
    for (int64_t i = 0; i < n; i++) a[i] *= f;
  } else {
    int32_t* a = static_cast<int32_t*>(p);
    for (int64_t i = 0; i < n; i++) a[i] /= ranks;
  }
}

// With exactly two ranks every all-reduce algorithm applies the reduction once per element, so
// the float32 mean is the user-defined op (a + b) * 0.5, bitwise equal to the sum followed by
// scale_mean but without its extra pass over the buffer (perf, 2-rank MLP step: the vectorized
// pass still took 16-30% of the comm thread's samples, the 2 MiB gradient not being in cache;
// the fused op ~20%, against 10-18% for the plain sum).
MPI_Op g_mean2 = MPI_OP_NULL;

void mean_of_two_f32(void* in, void* inout, int* len, MPI_Datatype*) {
  const float* __restrict a = static_cast<const float*>(in);
  float* __restrict b = static_cast<float*>(inout);
  const int n = *len;
  for (int i = 0; i < n; i++) b[i] = (a[i] + b[i]) * 0.5f;
}

// Runs one collective on the comm thread; throws std::runtime_error with a user-facing message.
void run_job(State* s, Job& j) {
  if (j.check) {
    // Descriptor: every field as max and as -min in one all-reduce; equal iff max == min. With
    // per-rank counts (allGather/reduceScatter of unequal parts) this rank's count may differ
    // from the others': the counts themselves are compared (as a checksum) and the total.
    int64_t total = j.counts.empty() ? j.count : 0, own = j.count;
    if (!j.counts.empty()) {
      own = 0;
      for (size_t r = 0; r < j.counts.size(); r++) { total += j.counts[r]; own = own * 1000003 % 2147483647 + j.counts[r]; }
    }
    int64_t d[10] = {j.kind, own, j.arg, j.dtype, total, -j.kind, -own, -j.arg, -j.dtype, -total};
    check_mpi(collective([&] { return MPI_Allreduce(MPI_IN_PLACE, d, 10, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD); },
      [&](MPI_Request* r) { return MPI_Iallreduce(MPI_IN_PLACE, d, 10, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD, r); }),
      kind_name(j.kind));
    const char* fields[5] = {"collective", j.counts.empty() ? "element count" : "per-rank counts", j.kind == BROADCAST ? "root" : "op",
      "dtype", "total count"};
    for (int i = 0; i < 5; i++) {
      if (d[i] != -d[i + 5]) {
        std::string lo = std::to_string(-d[i + 5]), hi = std::to_string(d[i]);
        if (i == 0) { lo = kind_name(static_cast<int>(-d[5])); hi = kind_name(static_cast<int>(d[0])); }
        if (i == 3) { lo = dtype_name(static_cast<int>(-d[8])); hi = dtype_name(static_cast<int>(d[3])); }
        throw std::runtime_error("Expected the same collective call on every rank for " + std::string(kind_name(j.kind)) +
          " but received calls that differ in " + fields[i] + " (between " + lo + " and " + hi + " across ranks; rank " +
          std::to_string(s->rank) + " called " + describe_job(j) + ")");
      }
    }
  }
  MPI_Datatype t = mpi_type(j.dtype);
  const size_t eb = dtype_bytes(j.dtype);
  int64_t bytes = 0;
  switch (j.kind) {
    case BARRIER:
      check_mpi(collective([&] { return MPI_Barrier(MPI_COMM_WORLD); },
        [&](MPI_Request* r) { return MPI_Ibarrier(MPI_COMM_WORLD, r); }), "barrier");
      break;
    case ALLREDUCE:
    {
      const void* src = j.send == j.recv ? MPI_IN_PLACE : j.send;
      const int n = static_cast<int>(j.count);
      // The float32 mean of two ranks in one pass (g_mean2); otherwise sum, then scale.
      const bool fused = j.arg == MEAN && j.dtype == F32 && g_mean2 != MPI_OP_NULL;
      const MPI_Op op = fused ? g_mean2 : mpi_op(j.arg);
      check_mpi(collective([&] { return MPI_Allreduce(src, j.recv, n, t, op, MPI_COMM_WORLD); },
        [&](MPI_Request* r) { return MPI_Iallreduce(src, j.recv, n, t, op, MPI_COMM_WORLD, r); }), "allReduce");
      if (j.arg == MEAN && !fused) scale_mean(j.recv, j.count, j.dtype, s->size);
    }
      bytes = j.count * eb;
      break;
    case BROADCAST:
      check_mpi(collective([&] { return MPI_Bcast(j.recv, static_cast<int>(j.count), t, j.arg, MPI_COMM_WORLD); },
        [&](MPI_Request* r) { return MPI_Ibcast(j.recv, static_cast<int>(j.count), t, j.arg, MPI_COMM_WORLD, r); }), "broadcast");
      bytes = j.count * eb;
      break;
    case ALLGATHER:
      if (j.counts.empty()) {
        const int n = static_cast<int>(j.count);
        check_mpi(collective([&] { return MPI_Allgather(j.send, n, t, j.recv, n, t, MPI_COMM_WORLD); },
          [&](MPI_Request* r) { return MPI_Iallgather(j.send, n, t, j.recv, n, t, MPI_COMM_WORLD, r); }), "allGather");
        bytes = j.count * s->size * eb;
      } else {
        std::vector<int> displs(s->size, 0);
        for (int r = 1; r < s->size; r++) displs[r] = displs[r - 1] + j.counts[r - 1];
        // In place: this rank's part already sits at its displacement in recv.
        const bool inPlace = j.send == nullptr;
        const void* src = inPlace ? MPI_IN_PLACE : j.send;
        const int n = static_cast<int>(j.count);
        check_mpi(collective(
          [&] { return MPI_Allgatherv(src, n, t, j.recv, j.counts.data(), displs.data(), t, MPI_COMM_WORLD); },
          [&](MPI_Request* r) { return MPI_Iallgatherv(src, n, t, j.recv, j.counts.data(), displs.data(), t, MPI_COMM_WORLD, r); }),
          "allGather");
        bytes = (displs[s->size - 1] + j.counts[s->size - 1]) * eb;
      }
      break;
    case REDUCE_SCATTER: {
      std::vector<int> counts = j.counts;
      if (counts.empty()) counts.assign(s->size, static_cast<int>(j.count));
      check_mpi(collective([&] { return MPI_Reduce_scatter(j.send, j.recv, counts.data(), t, mpi_op(j.arg), MPI_COMM_WORLD); },
        [&](MPI_Request* r) {
          return MPI_Ireduce_scatter(j.send, j.recv, counts.data(), t, mpi_op(j.arg), MPI_COMM_WORLD, r);
        }), "reduceScatter");
      if (j.arg == MEAN) scale_mean(j.recv, j.count, j.dtype, s->size);
      int64_t tot = 0;
      for (int c : counts) tot += c;
      bytes = tot * eb;
      break;
    }
    default:
      throw std::runtime_error("unknown collective kind");
  }
  s->statBytes += bytes;
}

void comm_loop(State* s) {
  pthread_setname_np(pthread_self(), "ng-mpi-comm");  // shows in top -H, perf, /proc/PID/task/*/comm
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lk(s->mu);
      s->cv.wait(lk, [&] { return s->stopping || !s->queue.empty(); });
      if (s->queue.empty()) return;  // stopping and drained
      job = s->queue.front();
      s->queue.pop_front();
    }
    {
      std::lock_guard<std::mutex> lk(s->wmu);
      s->running = describe_job(*job);
      s->deadline = Clock::now() + std::chrono::milliseconds(s->timeoutMs.load());
    }
    s->wcv.notify_all();
    const auto t0 = Clock::now();
    std::string err;
    try {
      run_job(s, *job);
    } catch (const std::exception& e) {
      err = e.what();
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    {
      std::lock_guard<std::mutex> lk(s->wmu);
      s->running.clear();
    }
    s->statJobs++;
    double cur = s->statSeconds.load();
    while (!s->statSeconds.compare_exchange_weak(cur, cur + secs)) {}
    bool async;
    {
      std::lock_guard<std::mutex> lk(s->mu);
      job->error = err;
      job->seconds = secs;
      job->done = true;
      async = job->deferred != nullptr;
    }
    s->cv.notify_all();
    if (async) {
      int64_t* id = new int64_t(job->id);
      s->tsfn.NonBlockingCall(id, [](Napi::Env env, Napi::Function, int64_t* idp) {
        const int64_t id = *idp;
        delete idp;
        State* s = S();
        std::shared_ptr<Job> j;
        {
          std::lock_guard<std::mutex> lk(s->mu);
          auto it = s->jobs.find(id);
          if (it == s->jobs.end()) return;
          j = it->second;
          s->jobs.erase(it);
        }
        Napi::HandleScope scope(env);
        j->sendRef.Reset();
        j->recvRef.Reset();
        if (--s->asyncPending == 0) s->tsfn.Unref(env);
        if (j->error.empty()) j->deferred->Resolve(Napi::Number::New(env, j->seconds));
        else j->deferred->Reject(Napi::Error::New(env, j->error).Value());
      });
    }
  }
}

void watchdog_loop(State* s) {
  pthread_setname_np(pthread_self(), "ng-mpi-watch");
  std::unique_lock<std::mutex> lk(s->wmu);
  while (!s->wstop) {
    if (s->running.empty()) {
      s->wcv.wait(lk);
      continue;
    }
    const auto dl = s->deadline;
    if (s->wcv.wait_until(lk, dl) == std::cv_status::timeout && !s->running.empty() && s->deadline == dl && !s->wstop) {
      std::fprintf(stderr,
        "nodegrad.dist: rank %d of %d: %s did not complete within %lld ms (another rank did not call it, called a "
        "different collective, or died); aborting all ranks\n",
        s->rank, s->size, s->running.c_str(), static_cast<long long>(s->timeoutMs.load()));
      std::fflush(stderr);
      MPI_Abort(MPI_COMM_WORLD, 3);
    }
  }
}

void require_init(const Napi::Env& env) {
  State* s = S();
  if (!s->initialized || s->finalized) {
    throw Napi::Error::New(env, s->finalized ? "nodegrad.dist: MPI was already finalized" : "nodegrad.dist: call init() first");
  }
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = S();
  if (s->finalized) throw Napi::Error::New(env, "nodegrad.dist: MPI was finalized and cannot be initialized again");
  if (!s->initialized) {
    int already = 0;
    MPI_Initialized(&already);
    if (!already) {
      int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &s->provided);
      if (rc != MPI_SUCCESS) throw Napi::Error::New(env, "nodegrad.dist: MPI_Init_thread failed");
    } else {
      MPI_Query_thread(&s->provided);
    }
    if (s->provided < MPI_THREAD_SERIALIZED) {
      throw Napi::Error::New(env, "nodegrad.dist: the MPI library provides thread level " + std::to_string(s->provided) +
        " but nodegrad needs at least MPI_THREAD_SERIALIZED (its collectives run on a communication thread)");
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    const char* wait = std::getenv("NODEGRAD_DIST_WAIT");
    g_poll = !(wait && std::string(wait) == "spin");
    if (const char* spin = std::getenv("NODEGRAD_DIST_SPIN_US")) {
      char* end = nullptr;
      const long long v = std::strtoll(spin, &end, 10);
      if (end != spin && *end == '\0' && v >= 0) g_spinUs = std::min<long long>(v, 1000000);
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &s->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &s->size);
    MPI_Comm local;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, s->rank, MPI_INFO_NULL, &local);
    MPI_Comm_rank(local, &s->localRank);
    MPI_Comm_size(local, &s->localSize);
    MPI_Comm_free(&local);
    if (s->size == 2) MPI_Op_create(&mean_of_two_f32, 1, &g_mean2);
    s->tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
      "nodegrad-mpi", 0, 1);
    s->tsfn.Unref(env);
    s->comm = std::thread(comm_loop, s);
    s->watchdog = std::thread(watchdog_loop, s);
    s->initialized = true;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("rank", s->rank);
  o.Set("size", s->size);
  o.Set("localRank", s->localRank);
  o.Set("localSize", s->localSize);
  o.Set("threadLevel", s->provided == MPI_THREAD_MULTIPLE ? "multiple" : "serialized");
  char ver[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(ver, &len);
  std::string v(ver, len);
  o.Set("library", v.substr(0, v.find_first_of("\n,")));
  return o;
}

Napi::Value SetTimeout(const Napi::CallbackInfo& info) {
  S()->timeoutMs = info[0].As<Napi::Number>().Int64Value();
  return info.Env().Undefined();
}

// Pointer, dtype and element count of a typed array (or null).
void* typed_ptr(const Napi::Value& v, int* dtype, int64_t* n) {
  if (v.IsNull() || v.IsUndefined()) { *dtype = NONE; *n = 0; return nullptr; }
  if (!v.IsTypedArray()) throw Napi::TypeError::New(v.Env(), "nodegrad.dist: expected a typed array buffer");
  Napi::TypedArray a = v.As<Napi::TypedArray>();
  switch (a.TypedArrayType()) {
    case napi_float32_array: *dtype = F32; break;
    case napi_float64_array: *dtype = F64; break;
    case napi_int32_array: *dtype = I32; break;
    default: throw Napi::TypeError::New(v.Env(), "nodegrad.dist: expected a Float32Array, Float64Array or Int32Array");
  }
  *n = static_cast<int64_t>(a.ElementLength());
  return static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
}

// submit(kind, send, recv, count, arg, counts|null, check) -> id. Arguments are validated in JS
// (lib/dist); the sizes are re-checked here so a bad internal call can not overrun a buffer.
Napi::Value Submit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_init(env);
  State* s = S();
  auto j = std::make_shared<Job>();
  j->kind = info[0].As<Napi::Number>().Int32Value();
  int sd, rd;
  int64_t sn, rn;
  j->send = typed_ptr(info[1], &sd, &sn);
  j->recv = typed_ptr(info[2], &rd, &rn);
  j->count = info[3].As<Napi::Number>().Int64Value();
  j->arg = info[4].As<Napi::Number>().Int32Value();
  if (info[5].IsTypedArray()) {
    Napi::Int32Array c = info[5].As<Napi::Int32Array>();
    j->counts.assign(c.Data(), c.Data() + c.ElementLength());
    if (static_cast<int>(j->counts.size()) != s->size) throw Napi::RangeError::New(env, "nodegrad.dist: counts must have one entry per rank");
  }
  j->check = info[6].ToBoolean().Value();
  j->dtype = j->recv ? rd : NONE;
  if (j->send && j->recv && sd != rd) throw Napi::TypeError::New(env, "nodegrad.dist: send and receive buffers differ in dtype");
  int64_t total = 0;
  for (int c : j->counts) total += c;
  bool ok = true;
  switch (j->kind) {
    case BARRIER: j->count = 0; break;
    case ALLREDUCE: case BROADCAST: ok = j->recv && rn >= j->count && (!j->send || sn >= j->count); break;
    case ALLGATHER:
      ok = j->recv && (j->counts.empty() ? rn >= j->count * s->size && sn >= j->count : rn >= total && j->counts[s->rank] == j->count);
      break;
    case REDUCE_SCATTER:
      ok = j->send && j->recv && rn >= j->count &&
        (j->counts.empty() ? sn >= j->count * s->size : sn >= total && j->counts[s->rank] == j->count);
      break;
    default: ok = false;
  }
  if (!ok || j->count < 0 || j->count > INT32_MAX) throw Napi::RangeError::New(env, "nodegrad.dist: buffer sizes do not fit the collective");
  if (info[1].IsObject()) j->sendRef = Napi::Persistent(info[1].As<Napi::Object>());
  if (info[2].IsObject()) j->recvRef = Napi::Persistent(info[2].As<Napi::Object>());
  {
    std::lock_guard<std::mutex> lk(s->mu);
    if (s->stopping) throw Napi::Error::New(env, "nodegrad.dist: MPI is finalizing");
    j->id = s->nextId++;
    s->jobs[j->id] = j;
    s->queue.push_back(j);
  }
  s->cv.notify_all();
  return Napi::Number::New(env, static_cast<double>(j->id));
}

// wait(id) -> seconds the collective took on the comm thread. Blocks the calling thread.
Napi::Value Wait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = S();
  const int64_t id = info[0].As<Napi::Number>().Int64Value();
  std::shared_ptr<Job> j;
  {
    std::unique_lock<std::mutex> lk(s->mu);
    auto it = s->jobs.find(id);
    if (it == s->jobs.end() || it->second->deferred) throw Napi::Error::New(env, "nodegrad.dist: unknown collective id");
    j = it->second;
    if (!j->done) {
      {
        std::lock_guard<std::mutex> plk(s->pollMu);
        s->jsWaiting++;
      }
      s->pollCv.notify_all();
      s->cv.wait(lk, [&] { return j->done; });
      s->jsWaiting--;
    }
    s->jobs.erase(it);
  }
  j->sendRef.Reset();
  j->recvRef.Reset();
  if (!j->error.empty()) throw Napi::Error::New(env, j->error);
  return Napi::Number::New(env, j->seconds);
}

// promise(id) -> Promise<seconds>, settled on the JS thread when the collective completes.
Napi::Value PromiseOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State* s = S();
  const int64_t id = info[0].As<Napi::Number>().Int64Value();
  auto d = std::make_unique<Napi::Promise::Deferred>(env);
  Napi::Promise p = d->Promise();
  std::shared_ptr<Job> j;
  bool done;
  {
    std::lock_guard<std::mutex> lk(s->mu);
    auto it = s->jobs.find(id);
    if (it == s->jobs.end() || it->second->deferred) throw Napi::Error::New(env, "nodegrad.dist: unknown collective id");
    j = it->second;
    done = j->done;
    if (done) s->jobs.erase(it);
    else j->deferred = std::move(d);
  }
  if (done) {
    j->sendRef.Reset();
    j->recvRef.Reset();
    if (j->error.empty()) d->Resolve(Napi::Number::New(env, j->seconds));
    else d->Reject(Napi::Error::New(env, j->error).Value());
  } else if (s->asyncPending++ == 0) {
    s->tsfn.Ref(env);
  }
  return p;
}

// abort(message, code): prints the message and ends every rank (MPI_Abort). Does not return.
Napi::Value Abort(const Napi::CallbackInfo& info) {
  State* s = S();
  std::string msg = info[0].As<Napi::String>().Utf8Value();
  int code = info[1].As<Napi::Number>().Int32Value();
  std::fprintf(stderr, "%s\n", msg.c_str());
  std::fflush(stderr);
  if (s->initialized && !s->finalized) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

// finalize(): drains the queue, stops the threads and calls MPI_Finalize (sync; idempotent).
Napi::Value Finalize(const Napi::CallbackInfo& info) {
  State* s = S();
  if (!s->initialized || s->finalized) return info.Env().Undefined();
  {
    std::lock_guard<std::mutex> lk(s->mu);
    s->stopping = true;
  }
  s->cv.notify_all();
  s->comm.join();
  {
    std::lock_guard<std::mutex> lk(s->wmu);
    s->wstop = true;
  }
  s->wcv.notify_all();
  s->watchdog.join();
  s->tsfn.Release();
  s->finalized = true;
  if (g_mean2 != MPI_OP_NULL) MPI_Op_free(&g_mean2);
  MPI_Finalize();
  return info.Env().Undefined();
}

Napi::Value Stats(const Napi::CallbackInfo& info) {
  State* s = S();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("collectives", static_cast<double>(s->statJobs.load()));
  o.Set("bytes", static_cast<double>(s->statBytes.load()));
  o.Set("seconds", s->statSeconds.load());
  return o;
}

// Transparent huge pages for a gradient buffer. Open MPI's shared-memory transport copies a large
// message with process_vm_readv (CMA), and the kernel pins every page of the peer's buffer for
// it: with 4 KiB pages that pinning took 12-49% of the communication thread's samples (perf,
// 2-rank MLP step). hugePagePadding(ta) -> bytes from ta's start to the next 2 MiB boundary;
// adviseHugePages(ta) -> madvise(MADV_HUGEPAGE) on the whole 2 MiB pages inside ta, returns the
// bytes advised (0 where the kernel refuses or THP is off: it is only advice).
constexpr uintptr_t kHugePage = 2u << 20;

Napi::Value HugePagePadding(const Napi::CallbackInfo& info) {
  Napi::TypedArray a = info[0].As<Napi::TypedArray>();
  const uintptr_t p = reinterpret_cast<uintptr_t>(static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset());
  return Napi::Number::New(info.Env(), static_cast<double>((kHugePage - p % kHugePage) % kHugePage));
}

Napi::Value AdviseHugePages(const Napi::CallbackInfo& info) {
  Napi::TypedArray a = info[0].As<Napi::TypedArray>();
  const uintptr_t p = reinterpret_cast<uintptr_t>(static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset());
  const uintptr_t lo = (p + kHugePage - 1) / kHugePage * kHugePage, hi = (p + a.ByteLength()) / kHugePage * kHugePage;
  double advised = 0;
#ifdef MADV_HUGEPAGE
  if (hi > lo && madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE) == 0) advised = static_cast<double>(hi - lo);
#endif
  return Napi::Number::New(info.Env(), advised);
}

Napi::Object ModuleInit(Napi::Env env, Napi::Object exports) {
  exports.Set("hugePagePadding", Napi::Function::New(env, HugePagePadding));
  exports.Set("adviseHugePages", Napi::Function::New(env, AdviseHugePages));
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("setTimeout", Napi::Function::New(env, SetTimeout));
  exports.Set("submit", Napi::Function::New(env, Submit));
  exports.Set("wait", Napi::Function::New(env, Wait));
  exports.Set("promise", Napi::Function::New(env, PromiseOf));
  exports.Set("abort", Napi::Function::New(env, Abort));
  exports.Set("finalize", Napi::Function::New(env, Finalize));
  exports.Set("stats", Napi::Function::New(env, Stats));
  return exports;
}

}  // namespace

NODE_API_MODULE(nodegrad_mpi, ModuleInit)
