// The ebm tool's command line: argv parsed into the command to run and its request, with every
// check that needs no file. main.cpp parses, then runs; fuzz/cli.cpp only parses.
#pragma once

#include <string>

#include "tools/commands.hpp"

namespace ebm::tools {

enum class Command { Help, Train, Sample, Energy, Eval, Plot, Data, Datasets, Info, Explain };

struct CommandLine {
  Command command = Command::Help;
  std::string help;  // Command::Help: the text --help prints
  int threads = 1;   // --threads
  TrainRequest train;
  SampleRequest sample;
  EnergyRequest energy;
  EvalRequest eval;
  PlotRequest plot;
  DataRequest data;
  ExplainRequest explain;
};

/// Parses argv (argv[0] is the program). Throws CLI::ParseError for what CLI11 refuses (an unknown
/// option, a value out of range), CliError(kUsageError) for an unknown command or a bad value or
/// combination, and what parse_device throws.
CommandLine parse_command_line(int argc, const char* const* argv);

}  // namespace ebm::tools
