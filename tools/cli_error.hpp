// How the ebm tool fails: every error a user can cause carries one message and a documented exit
// code (README "Exit codes").
#pragma once

#include <stdexcept>
#include <string>

namespace ebm::tools {

enum ExitCode : int {
  kSuccess = 0,
  kInternalError = 1,   // a bug: please report it
  kUsageError = 2,      // unknown command, option, name or out-of-range value
  kInputError = 3,      // a missing, malformed or non-finite data or samples file
  kOutputExists = 4,    // the output directory exists and is not empty (use --force)
  kModelError = 5,      // a missing, corrupted or incompatible model directory
  kDiverged = 6,        // training produced a non-finite loss; the last good checkpoint is kept
  kIoError = 7,         // a file could not be written
  kInterrupted = 130,   // Ctrl-C: a last checkpoint was written
};

class CliError : public std::runtime_error {
 public:
  CliError(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

}  // namespace ebm::tools
