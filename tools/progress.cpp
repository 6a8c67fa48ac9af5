#include "tools/progress.hpp"

#include <cstdio>
#include <unistd.h>

namespace ebm::tools {

Progress::Progress(int64_t first_step, int64_t total_steps, bool quiet)
    : first_step_(first_step),
      total_steps_(total_steps),
      quiet_(quiet),
      terminal_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

void Progress::update(int64_t step, double loss) {
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since_print = std::chrono::duration<double>(now - last_print_).count();
  const bool last = step == total_steps_;
  // A terminal gets ten redraws a second; a log gets a line every five seconds.
  if (!last && since_print < (terminal_ ? 0.1 : 5.0)) return;
  last_print_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(step - first_step_) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_steps_ - step) / rate : 0.0;
  const double fraction = static_cast<double>(step) / static_cast<double>(total_steps_);
  if (terminal_) {
    const int width = 30;
    const int filled = static_cast<int>(fraction * width);
    std::fprintf(stderr, "\r[%.*s%*s] %lld/%lld  loss %.4g  %.0f steps/s  ETA %.0fs ", filled,
                 "##############################", width - filled, "", static_cast<long long>(step),
                 static_cast<long long>(total_steps_), loss, rate, eta);
  } else {
    std::fprintf(stderr, "step %lld/%lld  loss %.6g  %.1f steps/s  ETA %.0fs\n", static_cast<long long>(step),
                 static_cast<long long>(total_steps_), loss, rate, eta);
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (!quiet_ && terminal_) std::fprintf(stderr, "\n");
}

}  // namespace ebm::tools
