#include "losses/projections.hpp"

#include <cmath>

#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"

namespace ebm::losses {

Tensor draw_projections(const Tensor& x, int64_t count, Projection projection, Generator& generator) {
  NoGradGuard no_grad;
  const Tensor z = randn({count, x.size(0), x.size(1)}, generator, x.dtype(), x.device());
  switch (projection) {
    case Projection::Gaussian: return z;
    case Projection::Rademacher: return sign(z);  // z is never exactly 0 (Box–Muller's u₁ > 0)
    case Projection::Sphere: {
      const double radius = std::sqrt(static_cast<double>(x.size(1)));
      return radius * z / sqrt(sum(square(z), 2, true));
    }
  }
  return z;
}

std::pair<Tensor, Tensor> gradient_and_hutchinson_trace(const energies::EnergyFunction& energy, const Tensor& x,
                                                        const Tensor& probes) {
  const Tensor input = x.detach().requires_grad_();
  const Tensor gradient = energy.gradient(input);
  const Tensor second = energies::directional_derivatives_from_gradient(gradient, input, probes, true).second;
  return {gradient, second / static_cast<double>(probes.size(0))};
}

}  // namespace ebm::losses
