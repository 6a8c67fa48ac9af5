// The default recipes: what `ebm train` chooses from the data for every setting its command line
// leaves open, each taken from the literature (docs/recipes.md gives the sources and the
// measurements). An application that trains in-process asks for the same choices:
//
//   models::TrainConfig config;
//   config.loss = "dsm";
//   const Tensor z = models::prepare(config, data);      // standardises wide data, then the recipe
//   std::cout << models::describe_recipe(config);        // what ebm train prints
//
// and builds the model, its loss and its sampler with models/factory.hpp.
#pragma once

#include <string>
#include <vector>

#include "engine/tensor.hpp"
#include "models/config.hpp"

namespace ebm::models {

/// Data of more columns than this is standardised per column, and takes the recipe for wide data;
/// the plane keeps the recipes measured on it (docs/results.md).
inline constexpr int64_t widest_plane = 2;

/// Readies `config` for training on data [N, D] in the data's units and returns the data in the
/// model's units: sets the dimension; refuses (std::invalid_argument, naming the column and the
/// row) a value that is not finite; for D > widest_plane refuses a constant column (naming it),
/// records each column's mean and standard deviation (TrainConfig::data_mean, data_scale) and
/// standardises; on the plane sets the plot's box. Then applies the recipe to every setting not named in `given` (option names as ebm train
/// spells them, such as "--sigma"; none: the recipe chooses everything).
Tensor prepare(TrainConfig& config, const Tensor& data, const std::vector<std::string>& given = {});

/// The recipe alone, on data [N, D] already in the model's units:
/// - score losses (dsm, ssm, sm) with a noise-conditional energy: noise levels from the data, and
///   annealed Langevin over them at the end, 100 steps per level, ε by
///   samplers::annealed_step_ratio, with a denoising last step. On the plane, noise_levels levels
///   from the largest distance down to the median nearest-neighbour distance; wider, Song and Ermon
///   2020's techniques 1 and 2: from the largest distance down to the data's finest coordinate
///   scale (losses::finest_column_scale), γ = losses::noise_level_ratio(D) apart;
/// - every other model: MALA at the end, its step adapted during the first half of the steps;
/// - Fourier features on the plane only, and wider networks and more steps for wider data.
void apply_recipe(TrainConfig& config, const Tensor& data, const std::vector<std::string>& given = {});

/// What the recipe chose, in a few lines for the terminal.
std::string describe_recipe(const TrainConfig& config);

/// The noise levels an annealed sampler of this model uses when none are given: the model's own
/// levels when it has several (noise-conditional, or dsm at several σ); empty otherwise.
std::vector<double> model_noise_levels(const TrainConfig& config);

/// Points x [N, D] in the data's units to the model's (z = (x − μ)/s; x itself when the model is
/// not standardised), and back.
Tensor to_model_units(const TrainConfig& config, const Tensor& x);
Tensor to_data_units(const TrainConfig& config, const Tensor& z);

}  // namespace ebm::models
