// One function per parser of outside input, as the fuzz targets (fuzz/*.cpp) and the corpus test
// (tests/fuzz_corpus_test.cpp) feed it bytes: a clean refusal is caught, so anything that escapes
// (another exception, a crash, a sanitizer report) is a finding.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/scratch_file.hpp"
#include "models/model_file.hpp"
#include "nn/checkpoint.hpp"
#include "tools/cli.hpp"
#include "tools/cli_error.hpp"
#include "tools/csv.hpp"

namespace ebm::fuzz {

/// The bytes as DIR/model.ebm, read by ebm::models::load_model; refusal: ModelFileError.
inline void read_model_file(std::string_view bytes) {
  write_scratch_file("model.ebm", bytes);
  try {
    models::load_model(scratch_directory());
  } catch (const models::ModelFileError&) {
  }
}

/// The bytes as a checkpoint, read by ebm::nn::load into a float32 [2, 3] and a float64 [3]
/// parameter; refusal: std::runtime_error.
inline void read_checkpoint(std::string_view bytes) {
  const std::string path = write_scratch_file("parameters.ebmp", bytes);
  std::vector<Tensor> parameters = {zeros({2, 3}).requires_grad_(), zeros({3}, DType::Float64).requires_grad_()};
  try {
    nn::load(parameters, path);
  } catch (const std::runtime_error&) {
  }
}

/// The bytes as a CSV file, read by ebm::tools::read_points; refusal: CliError.
inline void read_csv(std::string_view bytes) {
  const std::string path = write_scratch_file("points.csv", bytes);
  try {
    tools::read_points(path);
  } catch (const tools::CliError&) {
  }
}

/// The bytes split at '\0' into arguments after "ebm", parsed by ebm::tools::parse_command_line
/// (which runs nothing); refusal: CLI::ParseError or CliError.
inline void parse_arguments(std::string_view bytes) {
  std::vector<std::string> arguments = {"ebm"};
  for (std::string_view text = bytes; !text.empty();) {
    const std::size_t end = text.find('\0');
    arguments.emplace_back(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  std::vector<const char*> argv;
  for (const std::string& argument : arguments) argv.push_back(argument.c_str());
  try {
    tools::parse_command_line(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError&) {
  } catch (const tools::CliError&) {
  }
}

/// The bytes libFuzzer passes, as a string_view.
inline std::string_view as_text(const uint8_t* data, std::size_t size) { return {reinterpret_cast<const char*>(data), size}; }

}  // namespace ebm::fuzz
