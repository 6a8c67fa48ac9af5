// Ctrl-C during training: a checkpoint instead of a lost run.
#pragma once

#include <csignal>

namespace ebm::tools {

/// While alive, SIGINT sets a flag (read by interrupted()) instead of ending the process. The
/// handler installed before comes back when the guard dies, by every path out of its scope,
/// exceptions included. Guards do not nest: one training run at a time holds one.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  /// Whether Ctrl-C came since the guard was made.
  bool interrupted() const;

 private:
  void (*previous_)(int);
};

}  // namespace ebm::tools
