// Argument helpers for binding glue: unwrap JS values into plain C++ values, throwing a
// Napi::TypeError / RangeError (never aborting) with the project's message format.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

namespace ng::binding {

// "Expected <what> for <name> but received <got>"
std::string expected_msg(const std::string& what, const std::string& name, const std::string& got);
std::string describe_value(const Napi::Value& v);

// Data pointer (byte offset applied) and element count of typed array v, whose type the caller
// checked; views over SharedArrayBuffer are accepted; TypeError naming `name` when detached.
void* view_data(Napi::Env env, const Napi::Value& v, const std::string& name, const std::string& type_name, size_t* len);

// Float32Array argument i (named for messages). Throws on wrong type or detached buffer.
float* f32_arg(const Napi::CallbackInfo& info, size_t i, const char* name, size_t* len = nullptr);
// Int32Array argument i.
int32_t* i32_arg(const Napi::CallbackInfo& info, size_t i, const char* name, size_t* len = nullptr);
// Same, but also requires at least `need` elements.
float* f32_arg_min(const Napi::CallbackInfo& info, size_t i, const char* name, size_t need);
int32_t* i32_arg_min(const Napi::CallbackInfo& info, size_t i, const char* name, size_t need);
// Integer argument i (a JS number that is an integer >= lo).
int64_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t lo = 0);
// Finite number argument i.
double num_arg(const Napi::CallbackInfo& info, size_t i, const char* name);
bool bool_arg(const Napi::CallbackInfo& info, size_t i, const char* name);
std::string str_arg(const Napi::CallbackInfo& info, size_t i, const char* name);

}  // namespace ng::binding
