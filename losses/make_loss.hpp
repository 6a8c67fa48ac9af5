// Losses by name.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "losses/loss.hpp"

namespace ebm::losses {

/// "mle", "cd", "pcd", "nce", "sm", "dsm", "ssm" with default options ("pcd" is persistent CD).
/// An unknown name throws std::invalid_argument listing the known ones.
std::unique_ptr<Loss> make_loss(std::string_view name, std::shared_ptr<energies::EnergyFunction> energy);

/// The names make_loss knows.
const std::vector<std::string_view>& loss_names();

}  // namespace ebm::losses
