// The doctest main of every suite. A run whose filters select no test case fails: ctest runs each
// case as `--test-case=NAME`, and doctest alone exits 0 when NAME matches nothing, which would
// report a test that never ran as passed. A suite built with EBM_TESTS_NEED_CUDA exits with
// skip_code (ctest's SKIP_RETURN_CODE) when there is no usable GPU, so ctest reports it skipped.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#if EBM_TESTS_NEED_CUDA
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

}  // namespace

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
#if EBM_TESTS_NEED_CUDA
  constexpr int skip_code = 77;
  if (!context.shouldExit() && !ebm::cuda_is_available()) {
    std::fprintf(stderr, "%s: skipped: no usable GPU (cuda_is_available() is false)\n", argv[0]);
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
