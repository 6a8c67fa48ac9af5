// d/dx of x·sin(x) at x = 2, through the installed library; the CPU kernels an embedding program
// gets (the best level this CPU runs, as in ebm's own build); and the GPU: the same derivative on
// it where there is one, else a clean report of why not.
#include <cmath>
#include <cstdio>
#include <string>

#include <ebm.hpp>

int main() {
  ebm::Tensor x = ebm::tensor({2.0}, {1}, ebm::DType::Float64).requires_grad_();
  const ebm::Tensor y = ebm::sum(x * ebm::sin(x));
  y.backward();
  const double expected = std::sin(2.0) + 2.0 * std::cos(2.0);
  std::printf("d/dx x sin x at 2 = %.12f (expected %.12f)\n", x.grad().item(), expected);
  const std::string level = ebm::cpu_capability();
  std::printf("cpu kernels: %s (the best this CPU runs: %s)\n", level.c_str(), ebm::cpu_capabilities().back().c_str());
  bool best = level == ebm::cpu_capabilities().back();
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = best && level != "baseline";
#endif
  const std::string architectures = ebm::cuda_architectures();
  std::printf("cuda backend: %s\n", architectures.empty() ? "not built" : ("kernels for " + architectures).c_str());
  std::printf("gpu: %s\n", ebm::cuda_device_description().c_str());
  bool gpu_agrees = true;
  if (ebm::cuda_is_available()) {
    ebm::Tensor on_gpu = ebm::tensor({2.0}, {1}, ebm::DType::Float64, ebm::Device::CUDA).requires_grad_();
    ebm::sum(on_gpu * ebm::sin(on_gpu)).backward();
    gpu_agrees = std::abs(on_gpu.grad().item() - expected) < 1e-12;
    std::printf("d/dx on the GPU = %.12f\n", on_gpu.grad().item());
  }
  return std::abs(x.grad().item() - expected) < 1e-12 && best && gpu_agrees ? 0 : 1;
}
