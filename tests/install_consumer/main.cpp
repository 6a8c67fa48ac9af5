// d/dx of x·sin(x) at x = 2, through the installed library; and the CPU kernels an embedding
// program gets: the best level this CPU runs, as in ebm's own build.
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
  return std::abs(x.grad().item() - expected) < 1e-12 && best ? 0 : 1;
}
