// Training progress: a live bar on a terminal, plain periodic lines otherwise, nothing if quiet.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace ebm::tools {

class Progress {
 public:
  /// Reports steps first_step … total_steps on stderr.
  Progress(int64_t first_step, int64_t total_steps, bool quiet);
  /// After step `step` (1-based count of finished steps) with the current loss.
  void update(int64_t step, double loss);
  /// Ends the bar's line.
  void finish();

 private:
  int64_t first_step_;
  int64_t total_steps_;
  bool quiet_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
};

}  // namespace ebm::tools
