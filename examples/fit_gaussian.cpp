// Fits E(x) = (x − μ)²/(2σ²) to data by exact score matching (Hyvärinen 2005): it minimises
// J(μ, σ) = mean over the data of ½(∂E/∂x)² − ∂²E/∂x², whose minimum is the sample's mean and std.
// The engine takes ∂E/∂x, then ∂²E/∂x² (a gradient of a gradient), then J's gradient in μ and log σ.
#include <cmath>
#include <cstdio>
#include <ebm.hpp>

using namespace ebm;

int main() {
  Generator generator(7);
  const Tensor x = (randn({2000}, generator, DType::Float64) * 0.7 + 1.5).requires_grad_();  // N(1.5, 0.7²)
  Tensor mu = zeros({}, DType::Float64).requires_grad_(), log_sigma = zeros({}, DType::Float64).requires_grad_();
  for (int step = 0; step <= 300; ++step) {
    const Tensor energy = square(x - mu) / (2.0 * exp(2.0 * log_sigma));
    const Tensor dE_dx = grad(sum(energy), {x}, {.create_graph = true})[0];
    const Tensor d2E_dx2 = grad(sum(dE_dx), {x}, {.create_graph = true})[0];
    const Tensor J = mean(0.5 * square(dE_dx) - d2E_dx2);
    const auto gradients = grad(J, {mu, log_sigma});  // ∂J/∂μ and ∂J/∂log σ: a third derivative of E
    {
      NoGradGuard no_grad;  // the update itself is not recorded
      mu.copy_(mu - 0.1 * gradients[0]);
      log_sigma.copy_(log_sigma - 0.1 * gradients[1]);
    }
    if ((step <= 40 && step % 20 == 0) || step == 300) {
      std::printf("step %3d  J = %+.5f  mu = %.4f  sigma = %.4f\n", step, J.item(), mu.item(), std::exp(log_sigma.item()));
    }
  }
  const double sample_mean = mean(x).item(), sample_std = std::sqrt(mean(square(x - sample_mean)).item());
  std::printf("the sample:          mu = %.4f  sigma = %.4f\n", sample_mean, sample_std);
  const bool converged = std::abs(mu.item() - sample_mean) < 1e-3 && std::abs(std::exp(log_sigma.item()) - sample_std) < 1e-3;
  return converged ? 0 : 1;
}
