// Splits each input at '\0' into arguments, puts "ebm" before them and parses them with
// ebm::tools::parse_command_line (tools/cli.hpp), which runs nothing. A clean refusal is a
// CLI::ParseError or a CliError; anything else is a finding.
#include <CLI/CLI.hpp>
#include <string_view>

#include "tools/cli.hpp"
#include "tools/cli_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::vector<std::string> arguments = {"ebm"};
  // Each argument ends at a '\0' or at the end of the input.
  for (std::string_view text(reinterpret_cast<const char*>(data), size); !text.empty();) {
    const std::size_t end = text.find('\0');
    arguments.emplace_back(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  std::vector<const char*> argv;
  for (const std::string& argument : arguments) argv.push_back(argument.c_str());
  try {
    ebm::tools::parse_command_line(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError&) {
  } catch (const ebm::tools::CliError&) {
  }
  return 0;
}
