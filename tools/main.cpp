// The ebm command-line tool: train, sample, evaluate and plot toy energy-based models.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "engine/threads.hpp"
#include "models/model_file.hpp"
#include "tools/cli.hpp"
#include "tools/cli_error.hpp"

namespace {

using namespace ebm::tools;

/// Runs the parsed command; returns its exit code.
int run(const CommandLine& line) {
  switch (line.command) {
    case Command::Help:
      std::cout << line.help;
      return kSuccess;
    case Command::Train: return train_command(line.train);
    case Command::Sample: return sample_command(line.sample);
    case Command::Energy: return energy_command(line.energy);
    case Command::Eval: return eval_command(line.eval);
    case Command::Plot: return plot_command(line.plot);
    case Command::Data: return data_command(line.data);
    case Command::Datasets: return datasets_command();
    case Command::Info: return info_command();
    case Command::Explain: return explain_command(line.explain);
  }
  return kInternalError;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const CommandLine line = parse_command_line(argc, argv);
    if (line.command != Command::Help) ebm::set_num_threads(line.threads);
    return run(line);
  } catch (const CLI::ParseError& error) {
    std::fprintf(stderr, "ebm: error: %s (see ebm --help, or ebm COMMAND --help)\n", error.what());
    return kUsageError;
  } catch (const CliError& error) {
    std::fprintf(stderr, "ebm: error: %s\n", error.what());
    return error.code();
  } catch (const ebm::models::ModelFileError& error) {
    std::fprintf(stderr, "ebm: error: %s\n", error.what());
    return kModelError;
  } catch (const std::invalid_argument& error) {
    std::fprintf(stderr, "ebm: error: %s\n", error.what());
    return kUsageError;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "ebm: internal error: %s\n", error.what());
    return kInternalError;
  }
}
