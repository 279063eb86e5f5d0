// Captured steps: the recording switch and replay (see capture.h).
//   captureBegin(defer?, copies?)       starts recording kernel calls on this thread; defer true:
//                                       capturable calls are stored without running (capture.h);
//                                       copies ([dst0, src0, ...] typed arrays): what a flush
//                                       copies before running the stored calls (inputs not yet
//                                       copied in); ready (same form, the sources unused): the
//                                       inputs copied in already, whose indices a kernel helper
//                                       may check without a flush (any other read flushes)
//   captureCount() -> number            ops recorded so far (-1 when not recording)
//   captureFlush()                      a deferred recording: runs the stored calls that have not
//                                       run and records eagerly from then on (no-op otherwise)
//   captureEnd() -> { program, ops, blocked, pending }   stops; program is an opaque handle;
//                                       pending: ops stored by a deferred recording that have not
//                                       run (all of them, or 0): run them with captureReplay(Async)
//   captureAbort()                      stops and drops the recording (error paths)
//   captureReplay(program, patches)     runs the ops in order; patches (Float64Array or null):
//                                       triples (op index, argument position, value) applied first
//   captureFree(program)                frees the ops now (the GC would later)
//   captureReplayAsync / captureWait    the replay on the runner thread (capture_async.cc)
#include <napi.h>

#include <cstring>
#include <new>
#include <string>

#include "binding/args.h"
#include "binding/capture.h"
#include "binding/registry.h"

namespace ng::binding::capture {

Recording*& current() {
  thread_local Recording* rec = nullptr;
  return rec;
}

const char* op_name(ops::Op op) { return ops::kOps[static_cast<int>(op)].name; }

void check_labels(const int32_t* labels, int64_t n, int64_t classes, int32_t ignore_index) {
  for (int64_t k = 0; k < n; k++) {
    const int32_t v = labels[k];
    if ((v < 0 || v >= classes) && v != ignore_index) {
      throw std::out_of_range(expected_msg("integer in [0, " + std::to_string(classes) + ") or " +
                                               std::to_string(ignore_index),
                                           "labels[" + std::to_string(k) + "]", std::to_string(v)));
    }
  }
}

Program* program_arg(const Napi::CallbackInfo& info, const char* what, bool allow_running) {
  Napi::Value v = info[0];
  if (!v.IsExternal()) throw Napi::TypeError::New(info.Env(), expected_msg("captured program", "program", describe_value(v)));
  Program* p = v.As<Napi::External<Program>>().Data();
  if (p->rec == nullptr) {
    throw Napi::TypeError::New(info.Env(), expected_msg("live captured program", "program", "a freed one"));
  }
  if (p->running != 0 && !allow_running) {
    throw Napi::Error::New(info.Env(), expected_msg("a captured program with no replay running",
                                                    std::string(what) + "(program)", "one whose asynchronous replay has not settled yet " +
                                                    std::string("(await its promise first)")));
  }
  return p;
}

std::vector<double> read_patches(const Napi::CallbackInfo& info, const Recording& rec) {
  Napi::Env env = info.Env();
  const auto& ops = rec.ops;
  std::vector<double> out;
  if (is_nullish(info[1])) return out;
  size_t n = 0;
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(env, expected_msg("Float64Array or null", "patches", describe_value(info[1])));
  }
  const double* d = static_cast<const double*>(view_data(env, info[1], "patches", "Float64Array", &n));
  if (n % 3 != 0) throw Napi::RangeError::New(env, expected_msg("triples", "patches", std::to_string(n) + " numbers"));
  for (size_t k = 0; k < n; k += 3) {
    const double op = d[k], pos = d[k + 1];
    if (!(op >= 0 && op < static_cast<double>(ops.size())) || !(pos >= 0 && pos < 64) ||
        !ops[static_cast<size_t>(op)]->settable(static_cast<size_t>(pos))) {
      throw Napi::RangeError::New(env, expected_msg("a scalar argument of a recorded op", "patches[" +
                                                    std::to_string(k / 3) + "]", "op " + std::to_string(op) +
                                                    " position " + std::to_string(pos)));
    }
  }
  out.assign(d, d + n);
  return out;
}

void apply_patches(Recording& rec, const std::vector<double>& patches) {
  for (size_t k = 0; k + 2 < patches.size(); k += 3) {
    rec.ops[static_cast<size_t>(patches[k])]->set(static_cast<size_t>(patches[k + 1]), patches[k + 2]);
  }
}

RunError run_ops(Recording& rec) { return run_range(rec, 0); }

RunError run_range(Recording& rec, size_t from) {
  RunError err;
  try {
    for (size_t i = from; i < rec.ops.size(); i++) rec.ops[i]->run();
  } catch (const std::out_of_range& e) {
    err = {1, e.what()};
  } catch (const std::invalid_argument& e) {
    err = {1, e.what()};
  } catch (const std::bad_alloc&) {
    err = {2, "Out of memory allocating kernel scratch in a captured step"};
  } catch (const std::exception& e) {
    err = {3, e.what()};
  }
  return err;
}

std::vector<Copy> read_copies(Napi::Env env, const Napi::Value& v, const char* name) {
  std::vector<Copy> out;
  if (is_nullish(v)) return out;
  if (!v.IsArray()) throw Napi::TypeError::New(env, expected_msg("array of typed arrays or null", name, describe_value(v)));
  Napi::Array a = v.As<Napi::Array>();
  if (a.Length() % 2 != 0) {
    throw Napi::RangeError::New(env, expected_msg("(destination, source) pairs", name, std::to_string(a.Length()) + " views"));
  }
  for (uint32_t k = 0; k < a.Length(); k += 2) {
    void* ptr[2];
    size_t bytes[2];
    for (uint32_t j = 0; j < 2; j++) {
      Napi::Value e = a.Get(k + j);
      const std::string at = std::string(name) + "[" + std::to_string(k + j) + "]";
      if (!e.IsTypedArray()) throw Napi::TypeError::New(env, expected_msg("typed array", at, describe_value(e)));
      ptr[j] = view_data(env, e, at, "typed array", nullptr);
      bytes[j] = e.As<Napi::TypedArray>().ByteLength();
    }
    if (bytes[0] != bytes[1]) {
      throw Napi::RangeError::New(env, expected_msg(std::to_string(bytes[0]) + " bytes (the destination's)",
                                                    std::string(name) + "[" + std::to_string(k + 1) + "]",
                                                    std::to_string(bytes[1]) + " bytes"));
    }
    out.push_back({ptr[0], ptr[1], bytes[0]});
  }
  return out;
}

}  // namespace ng::binding::capture

namespace ng::binding {

void capture_before_read(const void* p, size_t bytes) {
  capture::Recording* r = capture::current();
  if (r == nullptr || !r->deferred) return;
  const char* a = static_cast<const char*>(p);
  for (const capture::Copy& c : r->ready) {
    const char* lo = static_cast<const char*>(c.dst);
    if (a >= lo && a + bytes <= lo + c.bytes) return;
  }
  capture::flush(*r);
}

}  // namespace ng::binding

namespace ng::binding::capture {

void flush(Recording& rec) {
  if (!rec.deferred) return;
  rec.deferred = false;
  for (const Copy& c : rec.copies) std::memcpy(c.dst, c.src, c.bytes);
  rec.copies.clear();
  const size_t from = rec.ran;
  rec.ran = rec.ops.size();
  const RunError err = run_range(rec, from);
  if (err.kind == 0) return;
  Napi::Env env(rec.env);
  if (err.kind == 1) throw Napi::RangeError::New(env, err.message);
  throw Napi::Error::New(env, err.message);
}

namespace {

Napi::Value Begin(const Napi::CallbackInfo& info) {
  if (current() != nullptr) {
    throw Napi::Error::New(info.Env(), expected_msg("no capture in progress", "captureBegin()", "a second capture"));
  }
  bool defer = false;
  if (!is_nullish(info[0])) {
    if (!info[0].IsBoolean()) throw Napi::TypeError::New(info.Env(), expected_msg("boolean", "defer", describe_value(info[0])));
    defer = info[0].As<Napi::Boolean>().Value();
  }
  std::vector<Copy> copies = read_copies(info.Env(), info[1], "copies");
  std::vector<Copy> ready = read_copies(info.Env(), info[2], "ready");
  auto* r = new Recording();
  r->deferred = defer;
  if (defer) {
    r->copies = std::move(copies);
    r->ready = std::move(ready);
  }
  r->env = info.Env();
  current() = r;
  return info.Env().Undefined();
}

Napi::Value Flush(const Napi::CallbackInfo& info) {
  if (Recording* r = current()) flush(*r);
  return info.Env().Undefined();
}

Napi::Value Count(const Napi::CallbackInfo& info) {
  Recording* r = current();
  return Napi::Number::New(info.Env(), r ? static_cast<double>(r->ops.size()) : -1.0);
}

Napi::Value Abort(const Napi::CallbackInfo& info) {
  delete current();
  current() = nullptr;
  return info.Env().Undefined();
}

Napi::Value End(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Recording* r = current();
  if (r == nullptr) throw Napi::Error::New(env, expected_msg("a capture in progress", "captureEnd()", "none"));
  current() = nullptr;
  auto* p = new Program();
  p->rec = r;
  Napi::Object out = Napi::Object::New(env);
  out.Set("ops", Napi::Number::New(env, static_cast<double>(r->ops.size())));
  out.Set("blocked", Napi::String::New(env, r->blocked));
  out.Set("pending", Napi::Number::New(env, static_cast<double>(r->deferred ? r->ops.size() - r->ran : 0)));
  out.Set("program", Napi::External<Program>::New(env, p, [](Napi::Env, Program* q) { delete q; }));
  return out;
}

Napi::Value Free(const Napi::CallbackInfo& info) {
  Napi::Value v = info[0];
  if (!v.IsExternal()) throw Napi::TypeError::New(info.Env(), expected_msg("captured program", "program", describe_value(v)));
  Program* p = v.As<Napi::External<Program>>().Data();
  if (p->running != 0) {
    throw Napi::Error::New(info.Env(), expected_msg("a captured program with no replay running", "captureFree(program)", "one whose asynchronous replay has not settled yet "
                                                    "(await its promise first)"));
  }
  delete p->rec;
  p->rec = nullptr;
  return info.Env().Undefined();
}

Napi::Value Replay(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Program* p = program_arg(info, "captureReplay");
  if (current() != nullptr) {
    throw Napi::Error::New(env, expected_msg("no capture in progress", "captureReplay()", "a capture recording"));
  }
  apply_patches(*p->rec, read_patches(info, *p->rec));
  const RunError err = run_ops(*p->rec);
  if (err.kind == 1) throw Napi::RangeError::New(env, err.message);
  if (err.kind != 0) throw Napi::Error::New(env, err.message);
  return env.Undefined();
}

}  // namespace

}  // namespace ng::binding::capture

NG_BINDING(capture) {
  using namespace ng::binding::capture;
  exports.Set("captureBegin", Napi::Function::New(env, Begin, "captureBegin"));
  exports.Set("captureCount", Napi::Function::New(env, Count, "captureCount"));
  exports.Set("captureFlush", Napi::Function::New(env, Flush, "captureFlush"));
  exports.Set("captureEnd", Napi::Function::New(env, End, "captureEnd"));
  exports.Set("captureAbort", Napi::Function::New(env, Abort, "captureAbort"));
  exports.Set("captureReplay", Napi::Function::New(env, Replay, "captureReplay"));
  exports.Set("captureFree", Napi::Function::New(env, Free, "captureFree"));
}
