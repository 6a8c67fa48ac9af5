// Fits a 1-D Gaussian energy E(x) = (x − μ)² / (2σ²) to data by exact score matching,
//   J(μ, σ) = mean over the data of [½ (∂E/∂x)² − ∂²E/∂x²]   (Hyvärinen 2005),
// with ∂E/∂x and ∂²E/∂x² taken by the engine (gradients of gradients) and J's gradient with
// respect to μ and log σ taken once more. The optimum is the data's own mean and standard deviation.
#include <cmath>
#include <cstdio>

#include <ebm.hpp>

using namespace ebm;

int main() {
  const double true_mean = 1.5;
  const double true_std = 0.7;
  Generator generator(7);
  const Tensor x = (randn({2000}, generator, DType::Float64) * true_std + true_mean).requires_grad_();

  Tensor mu = zeros({}, DType::Float64).requires_grad_();
  Tensor log_sigma = zeros({}, DType::Float64).requires_grad_();
  const double learning_rate = 0.1;

  for (int step = 0; step <= 300; ++step) {
    const Tensor sigma = exp(log_sigma);
    const Tensor energy = square(x - mu) / (2.0 * square(sigma));
    const Tensor dE_dx = grad(sum(energy), {x}, {.create_graph = true})[0];
    const Tensor d2E_dx2 = grad(sum(dE_dx), {x}, {.create_graph = true})[0];
    const Tensor objective = mean(0.5 * square(dE_dx) - d2E_dx2);

    const auto gradients = grad(objective, {mu, log_sigma});
    {
      NoGradGuard no_grad;
      mu.copy_(mu - learning_rate * gradients[0]);
      log_sigma.copy_(log_sigma - learning_rate * gradients[1]);
    }
    if (step % 50 == 0) {
      std::printf("step %3d  J = %+.5f  mu = %.4f  sigma = %.4f\n", step, objective.item(), mu.item(),
                  std::exp(log_sigma.item()));
    }
  }

  const std::vector<double> data = x.to_vector();
  double sample_mean = 0;
  for (double value : data) sample_mean += value / static_cast<double>(data.size());
  double sample_variance = 0;
  for (double value : data) sample_variance += (value - sample_mean) * (value - sample_mean) / static_cast<double>(data.size());

  std::printf("\nlearned:      mu = %.4f  sigma = %.4f\n", mu.item(), std::exp(log_sigma.item()));
  std::printf("sample:       mu = %.4f  sigma = %.4f   (the score-matching optimum)\n", sample_mean,
              std::sqrt(sample_variance));
  std::printf("distribution: mu = %.4f  sigma = %.4f\n", true_mean, true_std);
  const bool converged = std::abs(mu.item() - sample_mean) < 1e-3 &&
                         std::abs(std::exp(log_sigma.item()) - std::sqrt(sample_variance)) < 1e-3;
  return converged ? 0 : 1;
}
