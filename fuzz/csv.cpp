// libFuzzer target: each input through ebm::fuzz::read_csv (fuzz/inputs.hpp).
#include "fuzz/inputs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  ebm::fuzz::read_csv(ebm::fuzz::as_text(data, size));
  return 0;
}
