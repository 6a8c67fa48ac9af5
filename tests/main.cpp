// The doctest main of every suite. A run whose filters select no test case fails: ctest runs each
// case as `--test-case=NAME`, and doctest alone exits 0 when NAME matches nothing, which would
// report a test that never ran as passed. A suite that links ebm (EBM_TESTS_USE_EBM) exits with
// skip_code (ctest's SKIP_RETURN_CODE), so that ctest reports it skipped, when it cannot test what
// it was asked to: a CUDA suite (EBM_TESTS_NEED_CUDA) without a usable GPU, or a run at a CPU
// kernel level (EBM_CPU_CAPABILITY) that this CPU cannot run.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#if EBM_TESTS_USE_EBM
#include <ebm.hpp>
#endif

namespace {

/// Remembers how many test cases the run selected (those that passed the filters).
struct SelectedCount : doctest::IReporter {
  explicit SelectedCount(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override { selected = stats.numTestCasesPassingFilters; }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}

  static inline unsigned selected = 0;
};

REGISTER_LISTENER("selected_count", 1, SelectedCount);

#if EBM_TESTS_USE_EBM
/// Why this run cannot test what it was asked to, or "".
std::string reason_to_skip() {
#if EBM_TESTS_NEED_CUDA
  if (!ebm::cuda_is_available()) return "no usable GPU (cuda_is_available() is false)";
#endif
  // Only the levels a CPU may lack: any other name runs, and fails with the library's refusal.
  const char* requested = std::getenv("EBM_CPU_CAPABILITY");
  const std::string level = requested != nullptr ? requested : "";
  const std::vector<std::string> runs = ebm::cpu_capabilities();
  if ((level == "avx2" || level == "avx512") && std::find(runs.begin(), runs.end(), level) == runs.end()) {
    return "EBM_CPU_CAPABILITY=" + level + ", and this CPU or build cannot run that level";
  }
  return "";
}
#endif

}  // namespace

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
#if EBM_TESTS_USE_EBM
  constexpr int skip_code = 77;
  if (const std::string reason = reason_to_skip(); !context.shouldExit() && !reason.empty()) {
    std::fprintf(stderr, "%s: skipped: %s\n", argv[0], reason.c_str());
    return skip_code;
  }
#endif
  const int result = context.run();
  if (context.shouldExit()) return result;  // a query (--list-test-cases, --count, --help): nothing was meant to run
  if (SelectedCount::selected == 0) {
    std::fprintf(stderr, "%s: the filters selected no test case, so nothing was tested (check --test-case against --list-test-cases)\n",
                 argv[0]);
    return 1;
  }
  return result;
}
