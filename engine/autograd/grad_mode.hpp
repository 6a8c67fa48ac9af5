// Whether ops record onto the tape. Thread-local, so each thread records independently.
#pragma once

namespace ebm {

/// True when ops record nodes for backward (the default).
bool grad_mode_enabled();

/// RAII: nothing is recorded while it lives; the previous mode comes back when it ends.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

/// RAII: sets grad mode to `enabled` while it lives (backward uses it for create_graph).
class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled);
  ~GradModeGuard();
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace ebm
