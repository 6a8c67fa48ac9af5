#include "losses/noise_levels.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/autograd/anomaly.hpp"
#include "energies/noise_conditional.hpp"
#include "engine/ops.hpp"
#include "losses/denoising_score_matching.hpp"

namespace ebm::losses {

void check_sigmas(const char* loss, const std::vector<double>& sigmas) {
  if (sigmas.empty()) throw std::invalid_argument(std::string(loss) + ": sigmas must not be empty");
  for (double sigma : sigmas) {
    if (!(std::isfinite(sigma) && sigma > 0)) {
      throw std::invalid_argument(std::string(loss) + ": every σ must be finite and > 0, got " + std::to_string(sigma));
    }
  }
}

DataScales data_scales(const Tensor& data) {
  if (!data.defined() || data.dim() != 2 || data.size(0) < 2) {
    throw std::invalid_argument("data_scales: needs data of shape [N, D] with N ≥ 2");
  }
  const int64_t n = std::min<int64_t>(data.size(0), 1000), d = data.size(1);
  const std::vector<double> x = slice(data.detach(), 0, 0, n).to_vector();
  DataScales scales;
  std::vector<double> nearest(static_cast<std::size_t>(n), INFINITY);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = i + 1; j < n; ++j) {
      double squared = 0;
      for (int64_t k = 0; k < d; ++k) squared += std::pow(x[i * d + k] - x[j * d + k], 2);
      const double distance = std::sqrt(squared);
      scales.largest = std::max(scales.largest, distance);
      nearest[i] = std::min(nearest[i], distance);
      nearest[j] = std::min(nearest[j], distance);
    }
  }
  // Repeated points (a CSV file may hold duplicates) have no scale of their own: the median is over the others.
  std::erase_if(nearest, [](double distance) { return distance == 0; });
  if (nearest.empty()) return scales;
  const auto middle = nearest.begin() + static_cast<std::ptrdiff_t>(nearest.size() / 2);
  std::nth_element(nearest.begin(), middle, nearest.end());
  scales.finest = *middle;
  return scales;
}

std::vector<double> noise_levels_from_data(const Tensor& data, int64_t levels) {
  return noise_levels_from_scales(data_scales(data), levels);
}

std::vector<double> noise_levels_from_scales(const DataScales& scales, int64_t levels) {
  const char* name = "noise_levels_from_data";
  if (levels < 2) throw std::invalid_argument(std::string(name) + ": needs at least 2 levels, got " + std::to_string(levels));
  if (!(std::isfinite(scales.largest) && scales.finest > 0)) {
    throw std::invalid_argument(std::string(name) + ": the data has no spread to derive noise levels from (largest distance " +
                                std::to_string(scales.largest) + ", median nearest-neighbour distance " +
                                std::to_string(scales.finest) + "); give the levels with --sigma");
  }
  std::vector<double> sigmas;
  const double ratio = scales.finest / scales.largest;
  for (int64_t i = 0; i < levels; ++i) {
    sigmas.push_back(scales.largest * std::pow(ratio, static_cast<double>(i) / static_cast<double>(levels - 1)));
  }
  return sigmas;
}

double noise_level_ratio(int64_t dimension) {
  if (dimension < 1) throw std::invalid_argument("noise_level_ratio: the dimension must be ≥ 1, got " + std::to_string(dimension));
  const double root = std::sqrt(2.0 * static_cast<double>(dimension));
  if (root <= 3) return INFINITY;  // both arguments grow apart with γ: the probability tends to 1
  const auto phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  // From Φ(3) − Φ(−3) ≈ 0.997 at γ = 1 the probability falls to 0 as γ grows: bisect for ½.
  const auto probability = [&](double gamma) { return phi(root * (gamma - 1) + 3 * gamma) - phi(root * (gamma - 1) - 3 * gamma); };
  double low = 1, high = 2;
  while (probability(high) > 0.5) high *= 2;
  for (int i = 0; i < 100; ++i) {
    const double middle = 0.5 * (low + high);
    (probability(middle) > 0.5 ? low : high) = middle;
  }
  return 0.5 * (low + high);
}

std::vector<double> geometric_noise_levels(double largest, double finest, double ratio, int64_t minimum_levels) {
  if (!(std::isfinite(largest) && finest > 0 && largest > finest && ratio > 1 && minimum_levels >= 2)) {
    throw std::invalid_argument("geometric_noise_levels: needs largest > finest > 0, ratio > 1 and at least 2 levels, got " +
                                std::to_string(largest) + ", " + std::to_string(finest) + ", " + std::to_string(ratio) + " and " +
                                std::to_string(minimum_levels));
  }
  const int64_t needed = std::isinf(ratio) ? 2 : 1 + static_cast<int64_t>(std::ceil(std::log(largest / finest) / std::log(ratio) - 1e-9));
  const int64_t levels = std::max(minimum_levels, needed);
  std::vector<double> sigmas;
  for (int64_t i = 0; i < levels; ++i) {
    sigmas.push_back(largest * std::pow(finest / largest, static_cast<double>(i) / static_cast<double>(levels - 1)));
  }
  return sigmas;
}

double finest_column_scale(const Tensor& data) {
  if (!data.defined() || data.dim() != 2 || data.size(0) < 1) throw std::invalid_argument("finest_column_scale: needs data of shape [N, D]");
  const int64_t n = std::min<int64_t>(data.size(0), 1000), d = data.size(1);
  const std::vector<double> x = slice(data.detach(), 0, 0, n).to_vector();
  std::vector<double> column_scales;
  for (int64_t k = 0; k < d; ++k) {
    std::vector<double> column;
    for (int64_t i = 0; i < n; ++i) column.push_back(x[i * d + k]);
    std::sort(column.begin(), column.end());
    std::vector<double> gaps;
    for (std::size_t i = 1; i < column.size(); ++i) {
      if (column[i] > column[i - 1]) gaps.push_back(column[i] - column[i - 1]);
    }
    if (gaps.empty()) continue;
    std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2), gaps.end());
    column_scales.push_back(gaps[gaps.size() / 2]);
  }
  if (column_scales.empty()) return 0;
  std::nth_element(column_scales.begin(), column_scales.begin() + static_cast<std::ptrdiff_t>(column_scales.size() / 2), column_scales.end());
  return column_scales[column_scales.size() / 2];
}

namespace {

const std::unique_ptr<Loss>& checked_inner(const std::unique_ptr<Loss>& inner) {
  if (!inner) throw std::invalid_argument("NoiseLevelsLoss: the inner loss must not be null");
  return inner;
}

}  // namespace

NoiseLevelsLoss::NoiseLevelsLoss(std::unique_ptr<Loss> inner, NoiseLevelsOptions options)
    : Loss(checked_inner(inner)->energy()), inner_(std::move(inner)), options_(std::move(options)) {
  check_sigmas("NoiseLevelsLoss", options_.sigmas);
}

LossOutput NoiseLevelsLoss::operator()(const Tensor& pos, const Tensor&) {
  const char* name = "NoiseLevelsLoss";
  const TermScope term(name);  // anomaly reports name the loss
  check_batch(name, "pos", pos);
  Generator& generator = generator_or_default(options_.generator);
  auto* conditional = dynamic_cast<energies::NoiseConditional*>(energy_.get());
  const Tensor x = pos.detach();
  const auto levels = static_cast<int64_t>(options_.sigmas.size());
  const int64_t n = x.size(0);
  if (options_.split_batch && n < levels) {
    throw std::invalid_argument("NoiseLevelsLoss: split_batch needs at least one point per level: a batch of " + std::to_string(n) +
                                " points for " + std::to_string(levels) + " levels");
  }
  Tensor weighted_sum;
  double total_weight = 0;
  std::map<std::string, double> metrics;
  for (int64_t i = 0; i < levels; ++i) {
    const double sigma = options_.sigmas[static_cast<std::size_t>(i)];
    if (conditional != nullptr) conditional->set_noise_level(sigma);
    const Tensor part = options_.split_batch ? slice(x, 0, i * n / levels, (i + 1) * n / levels) : x;
    const LossOutput level = (*inner_)(part + sigma * randn_like(part, generator));
    const double weight = sigma * sigma;
    weighted_sum = weighted_sum.defined() ? weighted_sum + weight * level.loss : weight * level.loss;
    total_weight += weight;
    for (const auto& [metric, value] : level.metrics) {
      if (metric == "loss") {
        metrics[sigma_metric_name(sigma)] = value;
      } else {
        metrics[metric] += value / static_cast<double>(levels);
      }
    }
  }
  return finish(name, weighted_sum / total_weight, std::move(metrics));
}

}  // namespace ebm::losses
