// Sample-quality metrics of generated points against reference data.
#pragma once

#include <vector>

#include "engine/tensor.hpp"
#include "tools/datasets.hpp"

namespace ebm::tools {

/// Unbiased MMD² with the RBF kernel k(x, y) = exp(−‖x − y‖²/(2h²)), h the median distance over
/// all pairs of the pooled points (the median heuristic):
///   MMD² = Σᵢ≠ⱼ k(xᵢ, xⱼ)/(m(m−1)) + Σᵢ≠ⱼ k(yᵢ, yⱼ)/(n(n−1)) − 2Σᵢⱼ k(xᵢ, yⱼ)/(mn).
struct MMD {
  double mmd2;
  double bandwidth;
};
MMD mmd_rbf(const Tensor& samples, const Tensor& data);

/// Energy distance 2E‖X − Y‖ − E‖X − X′‖ − E‖Y − Y′‖ (within-set means over distinct pairs).
double energy_distance(const Tensor& samples, const Tensor& data);

/// For mixture datasets: a sample is near mode k when within `radius` of its centre; a mode is
/// covered when at least a fifth of its fair share of the samples (N/(5K)) is near it.
struct ModeCoverage {
  double covered_fraction;  // covered modes / K
  double near_fraction;     // samples near some mode / N
  double radius;
};
ModeCoverage mode_coverage(const Tensor& samples, const Modes& modes, double radius);

/// The default radius: a tenth of the distance between the two closest centres, at least 3 stds.
double default_mode_radius(const Modes& modes);

}  // namespace ebm::tools
