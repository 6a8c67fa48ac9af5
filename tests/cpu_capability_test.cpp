// The choice of CPU kernels (engine/cpu/dispatch.cpp): the best level this CPU runs, or the one
// EBM_CPU_CAPABILITY names. Part of the "kernels" suite, so it also runs under each forced level.
#include <doctest/doctest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include <ebm.hpp>

#include "engine/cpu/dispatch.hpp"

TEST_SUITE_BEGIN("kernels");

namespace {

/// The levels cmake/cpu_levels.cmake built (EBM_TESTS_CPU_LEVELS, "baseline,avx2,avx512").
std::vector<std::string> built_levels() {
  std::vector<std::string> levels;
  std::istringstream list(EBM_TESTS_CPU_LEVELS);
  for (std::string level; std::getline(list, level, ',');) levels.push_back(level);
  return levels;
}

/// Whether this CPU runs `level`, asked of cpuid here independently of the library.
bool cpu_runs(const std::string& level) {
#if defined(__x86_64__) && defined(__GNUC__)
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (level == "avx2") return avx2;
  if (level == "avx512") {
    return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  }
#endif
  return level == "baseline" || level == "native";
}

}  // namespace

TEST_CASE("cpu_capabilities lists the built levels this CPU runs, lowest first, and cpu_capability is the best or the forced one") {
  std::vector<std::string> expected;
  for (const std::string& level : built_levels()) {
    if (cpu_runs(level)) expected.push_back(level);
  }
  CAPTURE(EBM_TESTS_CPU_LEVELS);
  CHECK(ebm::cpu_capabilities() == expected);
  const char* forced = std::getenv("EBM_CPU_CAPABILITY");
  const std::string in_use = forced != nullptr && *forced != '\0' ? forced : expected.back();
  CHECK(ebm::cpu_capability() == in_use);
  // The backend every CPU tensor uses is that level's.
  CHECK(&ebm::backend(ebm::Device::CPU) == ebm::cpu::backend_at(in_use));
  for (const std::string& level : built_levels()) {
    CAPTURE(level);
    CHECK((ebm::cpu::backend_at(level) != nullptr) == cpu_runs(level));
  }
  CHECK(ebm::cpu::backend_at("sse4") == nullptr);
}

TEST_SUITE_END();
