// Feeds each input, as a checkpoint file, to ebm::nn::load (nn/checkpoint.hpp) with a float32 [2, 3]
// and a float64 [3] parameter. A clean refusal is a std::runtime_error; anything else is a finding.
#include "fuzz/scratch_file.hpp"
#include "nn/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string path = ebm::fuzz::write_scratch_file("parameters.ebmp", data, size);
  std::vector<ebm::Tensor> parameters = {ebm::zeros({2, 3}).requires_grad_(), ebm::zeros({3}, ebm::DType::Float64).requires_grad_()};
  try {
    ebm::nn::load(parameters, path);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
