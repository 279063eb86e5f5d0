#include "binding/registry.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace ng::binding {

namespace {
std::vector<std::pair<std::string, RegisterFn>>& registrations() {
  static auto* list = new std::vector<std::pair<std::string, RegisterFn>>();
  return *list;
}
}  // namespace

bool add_registration(const char* name, RegisterFn fn) {
  registrations().emplace_back(name, fn);
  return true;
}

void register_all(Napi::Env env, Napi::Object exports) {
  auto list = registrations();
  std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& r : list) r.second(env, exports);
}

}  // namespace ng::binding
