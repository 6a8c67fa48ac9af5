// Random projection vectors v with E[vvᵀ] = I, for Hutchinson's trace estimator and sliced score
// matching: then E[vᵀHv] = tr H.
#pragma once

#include "engine/generator.hpp"
#include "engine/tensor.hpp"

namespace ebm::losses {

/// Gaussian: v ~ N(0, I). Rademacher: entries ±1 with probability ½. Sphere: uniform on the
/// sphere of radius √D (a unit sphere would give E[vvᵀ] = I/D and scale the trace by 1/D).
enum class Projection { Gaussian, Rademacher, Sphere };

/// A projection per row: [N, D], in like's dtype and device.
Tensor draw_projections(const Tensor& like, Projection projection, Generator& generator);

}  // namespace ebm::losses
