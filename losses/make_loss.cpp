#include "losses/make_loss.hpp"

#include <stdexcept>
#include <string>

#include "losses/contrastive_divergence.hpp"
#include "losses/denoising_score_matching.hpp"
#include "losses/maximum_likelihood.hpp"
#include "losses/noise_contrastive_estimation.hpp"
#include "losses/score_matching.hpp"
#include "losses/sliced_score_matching.hpp"

namespace ebm::losses {

const std::vector<std::string_view>& loss_names() {
  static const std::vector<std::string_view> names = {"mle", "cd", "pcd", "nce", "sm", "dsm", "ssm"};
  return names;
}

std::unique_ptr<Loss> make_loss(std::string_view name, std::shared_ptr<energies::EnergyFunction> energy) {
  if (name == "mle") return std::make_unique<MLELoss>(std::move(energy));
  if (name == "cd") return std::make_unique<ContrastiveDivergenceLoss>(std::move(energy));
  if (name == "pcd") return std::make_unique<ContrastiveDivergenceLoss>(std::move(energy), CDOptions{.persistent = true});
  if (name == "nce") return std::make_unique<NCELoss>(std::move(energy));
  if (name == "sm") return std::make_unique<ScoreMatchingLoss>(std::move(energy));
  if (name == "dsm") return std::make_unique<DenoisingScoreMatchingLoss>(std::move(energy));
  if (name == "ssm") return std::make_unique<SlicedScoreMatchingLoss>(std::move(energy));
  std::string known;
  for (std::string_view candidate : loss_names()) known += (known.empty() ? "" : ", ") + std::string(candidate);
  throw std::invalid_argument("unknown loss '" + std::string(name) + "'; known: " + known);
}

}  // namespace ebm::losses
