// The objects a configuration describes (models/config.hpp): its energy, its training loss and its
// samplers. Each throws std::invalid_argument naming the setting that is wrong and what is known.
#pragma once

#include <memory>

#include "energies/mlp_energy.hpp"
#include "losses/loss.hpp"
#include "models/config.hpp"
#include "samplers/sampler.hpp"

namespace ebm::models {

/// The MLP energy of the model's own units (standardised ones when the config says so), float32
/// on the CPU; a noise-conditional one is set to its finest level σ_L, the model of the data itself.
std::shared_ptr<energies::MLPEnergy> make_energy(const TrainConfig& config, Generator& generator);
/// The loss that trains it; `data` [N, D] (in the model's units) fits NCE's noise.
std::unique_ptr<losses::Loss> make_training_loss(const TrainConfig& config, std::shared_ptr<energies::EnergyFunction> energy,
                                                 const Tensor& data, Generator& generator);
/// The sampler a SamplerConfig describes, on that energy.
std::shared_ptr<samplers::Sampler> make_sampler(const SamplerConfig& config, std::shared_ptr<energies::EnergyFunction> energy);

}  // namespace ebm::models
