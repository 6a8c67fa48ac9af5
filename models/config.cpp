#include "models/config.hpp"

#include <cmath>
#include <numbers>

namespace ebm::models {

std::vector<int64_t> TrainConfig::sizes() const {
  std::vector<int64_t> sizes = {dimension};
  for (int64_t layer = 0; layer < depth; ++layer) sizes.push_back(hidden);
  sizes.push_back(1);
  return sizes;
}

double scheduled_lr(const TrainConfig& config, int64_t step) {
  if (config.lr_schedule == "constant") return config.lr;
  return config.lr * 0.5 * (1 + std::cos(std::numbers::pi * static_cast<double>(step) / static_cast<double>(config.steps)));
}

bool TrainConfig::conditional_on_noise() const { return noise_conditional && (loss == "dsm" || loss == "ssm" || loss == "sm"); }

const std::vector<std::string>& sampler_names() {
  static const std::vector<std::string> names = {"langevin", "mala", "hmc", "annealed"};
  return names;
}

}  // namespace ebm::models
