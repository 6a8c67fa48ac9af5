#include "samplers/resample.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"

namespace ebm::samplers {

Tensor importance_resample(const energies::EnergyFunction& energy, const Tensor& proposals, int64_t n, Generator& generator) {
  if (!proposals.defined() || proposals.dim() != 2 || proposals.size(0) < 1) {
    throw std::invalid_argument("importance_resample: proposals must be [M, D] with M ≥ 1");
  }
  if (n < 1) throw std::invalid_argument("importance_resample: n must be ≥ 1, got " + std::to_string(n));
  NoGradGuard no_grad;
  const std::vector<double> energies = energy(proposals.detach()).to_vector();
  // w = exp(−(E − min E)): the same ratios, and the largest weight is 1 (no overflow).
  double lowest = INFINITY;
  for (double e : energies) {
    if (std::isfinite(e)) lowest = std::min(lowest, e);
  }
  if (!std::isfinite(lowest)) throw std::runtime_error("importance_resample: no proposal has a finite energy");
  std::vector<double> cumulative(energies.size());
  double total = 0;
  for (std::size_t i = 0; i < energies.size(); ++i) {
    total += std::isfinite(energies[i]) ? std::exp(lowest - energies[i]) : 0.0;
    cumulative[i] = total;
  }
  // Systematic resampling: the points (k + u)/n of the cumulative weights, one u for all.
  const double u = rand({1}, generator, DType::Float64).to_vector()[0];
  std::vector<int64_t> rows;
  rows.reserve(static_cast<std::size_t>(n));
  std::size_t row = 0;
  for (int64_t k = 0; k < n; ++k) {
    const double target = (static_cast<double>(k) + u) / static_cast<double>(n) * total;
    while (row + 1 < cumulative.size() && cumulative[row] <= target) ++row;
    rows.push_back(static_cast<int64_t>(row));
  }
  return gather_rows(proposals.detach(), rows);
}

}  // namespace ebm::samplers
