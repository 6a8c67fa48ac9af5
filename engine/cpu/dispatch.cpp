// The choice of CPU kernels: cpu_backend.cpp is compiled once per instruction-set level
// (cmake/cpu_levels.cmake defines EBM_CPU_HAS_<LEVEL> here for each); the best level the CPU
// runs is chosen once, from cpuid, unless EBM_CPU_CAPABILITY asks for another.
#include "engine/cpu/dispatch.hpp"

#include <array>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/types.hpp"

namespace ebm::cpu {

#define EBM_DECLARE_LEVEL(level) \
  namespace level {              \
  const Backend& backend();      \
  }
#ifdef EBM_CPU_HAS_BASELINE
EBM_DECLARE_LEVEL(baseline)
#endif
#ifdef EBM_CPU_HAS_AVX2
EBM_DECLARE_LEVEL(avx2)
#endif
#ifdef EBM_CPU_HAS_AVX512
EBM_DECLARE_LEVEL(avx512)
#endif
#ifdef EBM_CPU_HAS_NATIVE
EBM_DECLARE_LEVEL(native)
#endif
#undef EBM_DECLARE_LEVEL

namespace {

/// A compiled level: its name, its backend, whether this CPU (and its operating system, which
/// must save the wider registers) runs it, and the features it needs, for messages.
struct Level {
  std::string_view name;
  const Backend& (*backend)();
  bool (*runs_here)();
  std::string_view needs;
};

#if defined(EBM_CPU_HAS_AVX2) || defined(EBM_CPU_HAS_AVX512)
bool has_avx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
bool has_avx512() {
  return has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}
#endif
bool always() { return true; }

/// Every level a build can have, lowest first, and those this build has.
constexpr std::array<std::string_view, 4> known_levels = {"baseline", "avx2", "avx512", "native"};
const std::vector<Level>& compiled_levels() {
  static const std::vector<Level> levels = {
#ifdef EBM_CPU_HAS_BASELINE
      {"baseline", baseline::backend, always, "x86-64 with SSE2, or any other architecture"},
#endif
#ifdef EBM_CPU_HAS_AVX2
      {"avx2", avx2::backend, has_avx2, "AVX2 and FMA"},
#endif
#ifdef EBM_CPU_HAS_AVX512
      {"avx512", avx512::backend, has_avx512, "AVX-512 F, CD, BW, DQ and VL"},
#endif
#ifdef EBM_CPU_HAS_NATIVE
      {"native", native::backend, always, "the CPU this build was compiled on (EBM_NATIVE)"},
#endif
  };
  return levels;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

/// The level EBM_CPU_CAPABILITY names, or the best this CPU runs when it is unset or empty.
const Level& choose() {
  const char* requested = std::getenv("EBM_CPU_CAPABILITY");
  const Level* best = nullptr;
  for (const Level& level : compiled_levels()) {
    if (level.runs_here()) best = &level;
  }
  if (requested == nullptr || *requested == '\0') return *best;
  const std::string name = requested;
  const std::string runs = "this build and CPU run: " + joined(cpu_capabilities());
  for (const Level& level : compiled_levels()) {
    if (level.name != name) continue;
    if (!level.runs_here()) {
      throw std::invalid_argument("EBM_CPU_CAPABILITY=" + name + ": this CPU lacks " + std::string(level.needs) +
                               "; " + runs + " (unset EBM_CPU_CAPABILITY to use the best)");
    }
    return level;
  }
  for (std::string_view known : known_levels) {
    if (known == name) {
      throw std::invalid_argument("EBM_CPU_CAPABILITY=" + name + ": this build of ebm has no " + name + " kernels; " +
                               runs + " (unset EBM_CPU_CAPABILITY to use the best)");
    }
  }
  throw std::invalid_argument("EBM_CPU_CAPABILITY=" + name + " is not a level; accepted: baseline, avx2, avx512 (" +
                           runs + ")");
}

const Level& chosen() {
  static const Level& level = choose();  // once; a refusal is thrown again at every call
  return level;
}

}  // namespace

const Backend& cpu_backend() {
  // Every CPU op and allocation comes here: the chosen level's backend is looked up once.
  static const Backend& backend = chosen().backend();
  return backend;
}

const Backend* backend_at(std::string_view name) {
  for (const Level& level : compiled_levels()) {
    if (level.name == name && level.runs_here()) return &level.backend();
  }
  return nullptr;
}

}  // namespace ebm::cpu

namespace ebm {

std::string cpu_capability() { return std::string(cpu::chosen().name); }

std::vector<std::string> cpu_capabilities() {
  std::vector<std::string> names;
  for (const cpu::Level& level : cpu::compiled_levels()) {
    if (level.runs_here()) names.emplace_back(level.name);
  }
  return names;
}

}  // namespace ebm
