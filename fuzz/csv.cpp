// Feeds each input, as a CSV file, to ebm::tools::read_points (tools/csv.hpp). A clean refusal is
// a CliError; any other exception, crash or sanitizer report is a finding.
#include "fuzz/scratch_file.hpp"
#include "tools/cli_error.hpp"
#include "tools/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string path = ebm::fuzz::write_scratch_file("points.csv", data, size);
  try {
    ebm::tools::read_points(path);
  } catch (const ebm::tools::CliError&) {
  }
  return 0;
}
