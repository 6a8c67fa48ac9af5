// ebm train in-process (tools/train_command.cpp): Ctrl-C's handler comes back on every way out of
// a run, and data too wide for a toy EBM is refused with the limit named.
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <signal.h>
#include <unistd.h>

#include "tools/cli_error.hpp"
#include "tools/commands.hpp"
#include "tools/interrupt.hpp"

namespace {

using namespace ebm::tools;
namespace fs = std::filesystem;

using Handler = void (*)(int);

/// Whether SIGINT's installed handler is SIG_IGN, read without changing it.
bool sigint_ignored() {
  struct sigaction action {};
  ::sigaction(SIGINT, nullptr, &action);
  return action.sa_handler == SIG_IGN;
}

/// A scratch directory removed at the end of the test.
struct Scratch {
  fs::path path = fs::temp_directory_path() / ("ebm_train_command_" + std::to_string(::getpid()));
  Scratch() { fs::remove_all(path); fs::create_directories(path); }
  ~Scratch() { fs::remove_all(path); }
};

TrainRequest quick_request(const std::string& out) {
  TrainRequest request;
  request.config.dataset = "two_moons";
  request.config.loss = "dsm";
  request.config.steps = 5;
  request.config.hidden = 8;
  request.config.n_samples = 10;
  request.config.sampler.steps = 5;
  request.given = {"--steps", "--hidden", "--samples", "--sampler-steps"};
  request.out = out;
  request.quiet = true;
  return request;
}

}  // namespace

TEST_CASE("InterruptGuard turns Ctrl-C into a flag and restores the handler on every way out, an exception's too") {
  const Handler before = std::signal(SIGINT, SIG_IGN);
  {
    InterruptGuard guard;
    CHECK_FALSE(sigint_ignored());
    CHECK_FALSE(guard.interrupted());
    std::raise(SIGINT);
    CHECK(guard.interrupted());
  }
  CHECK(sigint_ignored());
  try {
    InterruptGuard guard;
    throw std::runtime_error("backward failed");
  } catch (const std::runtime_error&) {
  }
  CHECK(sigint_ignored());
  std::signal(SIGINT, before);
}

TEST_CASE("train leaves Ctrl-C's handler as it found it: after a finished run and after a diverged one") {
  Scratch scratch;
  const Handler before = std::signal(SIGINT, SIG_IGN);
  CHECK(train_command(quick_request((scratch.path / "done").string())) == kSuccess);
  CHECK(sigint_ignored());

  TrainRequest diverging = quick_request((scratch.path / "diverged").string());
  diverging.config.loss = "cd";
  diverging.config.lr = 1000;
  diverging.config.cd_sampler.name = "langevin";
  diverging.config.cd_sampler.step_size = 10;
  diverging.config.steps = 400;
  diverging.given.insert(diverging.given.end(), {"--lr", "--cd-sampler", "--cd-step-size", "--loss"});
  try {
    train_command(diverging);
    FAIL("the run should have diverged");
  } catch (const CliError& error) {
    CHECK(error.code() == kDiverged);
  }
  CHECK(sigint_ignored());
  std::signal(SIGINT, before);
}

TEST_CASE("train refuses data wider than kMaxTrainDimension columns, naming the limit, and writes nothing") {
  Scratch scratch;
  const fs::path wide = scratch.path / "wide.csv";
  {
    std::ofstream file(wide);
    for (int row = 0; row < 3; ++row) {
      for (int64_t column = 0; column <= kMaxTrainDimension; ++column) file << (column > 0 ? "," : "") << row + column;
      file << "\n";
    }
  }
  TrainRequest request = quick_request((scratch.path / "run").string());
  request.config.dataset.clear();
  request.config.data_file = wide.string();
  try {
    train_command(request);
    FAIL("wide data should be refused");
  } catch (const CliError& error) {
    CHECK(error.code() == kInputError);
    CHECK(std::string(error.what()).find("has 257 columns") != std::string::npos);
    CHECK(std::string(error.what()).find("accepts at most 256") != std::string::npos);
  }
  CHECK_FALSE(fs::exists(scratch.path / "run"));
  // At the limit it trains.
  {
    std::ofstream file(wide);
    for (int row = 0; row < 3; ++row) {
      for (int64_t column = 0; column < kMaxTrainDimension; ++column) file << (column > 0 ? "," : "") << (row * 7 + column) % 5;
      file << "\n";
    }
  }
  request.config.steps = 1;
  CHECK(train_command(request) == kSuccess);
}
