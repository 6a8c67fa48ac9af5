// d/dx of x·sin(x) at x = 2, through the installed library.
#include <cmath>
#include <cstdio>

#include <ebm.hpp>

int main() {
  ebm::Tensor x = ebm::tensor({2.0}, {1}, ebm::DType::Float64).requires_grad_();
  const ebm::Tensor y = ebm::sum(x * ebm::sin(x));
  y.backward();
  const double expected = std::sin(2.0) + 2.0 * std::cos(2.0);
  std::printf("d/dx x sin x at 2 = %.12f (expected %.12f)\n", x.grad().item(), expected);
  return std::abs(x.grad().item() - expected) < 1e-12 ? 0 : 1;
}
