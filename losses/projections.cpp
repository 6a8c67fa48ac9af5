#include "losses/projections.hpp"

#include <cmath>

#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"

namespace ebm::losses {

Tensor draw_projections(const Tensor& like, Projection projection, Generator& generator) {
  NoGradGuard no_grad;
  const Tensor z = randn(like.shape(), generator, like.dtype(), like.device());
  switch (projection) {
    case Projection::Gaussian: return z;
    case Projection::Rademacher: return sign(z);  // z is never exactly 0 (Box–Muller's u₁ > 0)
    case Projection::Sphere: {
      const double radius = std::sqrt(static_cast<double>(like.size(1)));
      return radius * z / sqrt(sum(square(z), 1, true));
    }
  }
  return z;
}

}  // namespace ebm::losses
