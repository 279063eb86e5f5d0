#include "backend/backend.h"

#include <algorithm>
#include <cstring>

namespace ng::backend {

namespace {
std::vector<const Backend*>& registry() {
  static auto* list = new std::vector<const Backend*>();
  return *list;
}
}  // namespace

bool register_backend(const Backend* b) {
  auto& list = registry();
  list.push_back(b);
  std::sort(list.begin(), list.end(), [](const Backend* x, const Backend* y) { return std::strcmp(x->name, y->name) < 0; });
  return true;
}

const std::vector<const Backend*>& backends() { return registry(); }

}  // namespace ng::backend
