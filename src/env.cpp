// SPDX-License-Identifier: MIT
// env: "KEY=value" lists. Pure.
#include "env.hpp"

namespace unroot {
namespace {

bool has_key(std::string_view entry, std::string_view key) {
  return entry.size() > key.size() && entry.substr(0, key.size()) == key &&
         entry[key.size()] == '=';
}

}  // namespace

Env env_from(char* const* envp) {
  Env env;
  for (char* const* e = envp; e != nullptr && *e != nullptr; ++e) {
    env.emplace_back(*e);
  }
  return env;
}

std::optional<std::string_view> find_env(const Env& env, std::string_view key) {
  for (const std::string& e : env) {
    if (has_key(e, key)) {
      return std::string_view(e).substr(key.size() + 1);
    }
  }
  return std::nullopt;
}

void set_env(Env& env, std::string_view key, std::string_view value) {
  std::string entry = std::string(key) + "=" + std::string(value);
  bool placed = false;
  for (auto it = env.begin(); it != env.end();) {
    if (!has_key(*it, key)) {
      ++it;
    } else if (!placed) {
      *it = entry;
      placed = true;
      ++it;
    } else {
      it = env.erase(it);
    }
  }
  if (!placed) {
    env.push_back(std::move(entry));
  }
}

void unset_env(Env& env, std::string_view key) {
  std::erase_if(env, [&](const std::string& e) { return has_key(e, key); });
}

std::vector<char*> to_envp(Env& env) {
  std::vector<char*> out;
  out.reserve(env.size() + 1);
  for (std::string& e : env) {
    out.push_back(e.data());
  }
  out.push_back(nullptr);
  return out;
}

}  // namespace unroot
