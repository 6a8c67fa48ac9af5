// The doctest main of every suite. A run whose filters select no test case fails: ctest runs each
// case as `--test-case=NAME`, and doctest alone exits 0 when NAME matches nothing, which would
// report a test that never ran as passed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

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
  const int result = context.run();
  if (context.shouldExit()) return result;  // a query (--list-test-cases, --count, --help): nothing was meant to run
  if (SelectedCount::selected == 0) {
    std::fprintf(stderr, "%s: the filters selected no test case, so nothing was tested (check --test-case against --list-test-cases)\n",
                 argv[0]);
    return 1;
  }
  return result;
}
