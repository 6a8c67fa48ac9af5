// Feeds each input, as DIR/model.ebm, to ebm::tools::load_model (tools/model_file.hpp). A clean
// refusal is a CliError; any other exception, crash or sanitizer report is a finding.
#include "fuzz/scratch_file.hpp"
#include "tools/cli_error.hpp"
#include "tools/model_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  ebm::fuzz::write_scratch_file("model.ebm", data, size);
  try {
    ebm::tools::load_model(ebm::fuzz::scratch_directory());
  } catch (const ebm::tools::CliError&) {
  }
  return 0;
}
