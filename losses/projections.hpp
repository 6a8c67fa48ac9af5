// Random projection vectors v with E[vvᵀ] = I, for Hutchinson's trace estimator and sliced score
// matching: then E[vᵀHv] = tr H.
#pragma once

#include <utility>

#include "energies/energy_function.hpp"
#include "engine/generator.hpp"
#include "engine/tensor.hpp"

namespace ebm::losses {

/// Gaussian: v ~ N(0, I). Rademacher: entries ±1 with probability ½. Sphere: uniform on the
/// sphere of radius √D (a unit sphere would give E[vvᵀ] = I/D and scale the trace by 1/D).
enum class Projection { Gaussian, Rademacher, Sphere };

/// `count` projections for each row of x [N, D]: [count, N, D], in x's dtype and device.
Tensor draw_projections(const Tensor& x, int64_t count, Projection projection, Generator& generator);

/// ∇E [N, D] and Hutchinson's estimate of ΔE, meanₘ vₘᵀ(∇²E)vₘ [N], for probes v [M, N, D] drawn at
/// the points x [N, D]: one gradient graph and one backward pass over it per probe, both recorded.
std::pair<Tensor, Tensor> gradient_and_hutchinson_trace(const energies::EnergyFunction& energy, const Tensor& x,
                                                        const Tensor& probes);

}  // namespace ebm::losses
