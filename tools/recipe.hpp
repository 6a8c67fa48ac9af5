// The default recipes: what `ebm train` chooses from the data for every setting the command line
// leaves open, each taken from the literature (docs/recipes.md gives the sources and the
// measurements). The chosen values are written into the configuration, so the model file records
// them and `ebm sample` and `--resume` use them.
#pragma once

#include <string>
#include <vector>

#include "tools/config.hpp"

namespace ebm::tools {

/// Fills in the settings not named in `given` (the options given on the command line, as
/// "--sigma") from the data [N, D]:
/// - score losses (dsm, ssm, sm) with a noise-conditional energy: noise_levels levels from the
///   data (losses::noise_levels_from_data), and annealed Langevin over them at the end, 100 steps
///   per level, ε by samplers::annealed_step_ratio;
/// - every other model: MALA at the end, its step adapted during the first half of the steps.
void apply_recipe(TrainConfig& config, const Tensor& data, const std::vector<std::string>& given);

/// What the recipe chose, in a few lines for the terminal.
std::string describe_recipe(const TrainConfig& config);

/// The noise levels an annealed sampler of this model uses when none are given: the model's own
/// levels when it has several (noise-conditional, or dsm at several σ); empty otherwise.
std::vector<double> model_noise_levels(const TrainConfig& config);

}  // namespace ebm::tools
