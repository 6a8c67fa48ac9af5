// A trained model on disk: DIR/model.ebm holds the training configuration (JSON), the progress,
// the parameters and Adam's state, in one file written atomically.
//
//   "EBMMODEL" | format version u32 | JSON length u64 | JSON | parameter blob (nn/checkpoint.hpp
//   format: the model's parameters, then Adam's first and second moments)
#pragma once

#include <memory>
#include <string>

#include "energies/mlp_energy.hpp"
#include "optim/optimizer.hpp"
#include "tools/config.hpp"

namespace ebm::tools {

/// Version 2 added the noise-conditional model and the recipe's fields to the configuration;
/// version 3 gave annealed Langevin's ε the paper's convention (half the step of the same ε
/// before); version 4 added Fourier features (fourier_features, fourier_scale; their frequencies
/// are redrawn from the seed, as the initial weights were); version 5 averages a noise-conditional
/// model's features over each level's noise (fourier_averaged; false in older files); version 6
/// restarts a share of pcd's chains at data points (data_restart_fraction; 0 in older files). Older files
/// are read with the values that reproduce their runs (config_from_json).
inline constexpr uint32_t model_format_version = 6;

/// Progress of a run.
struct TrainState {
  int64_t step = 0;
  double seconds = 0;
  uint64_t generator_offset = 0;  // where training's random stream stands, so a resumed run continues it
};

/// The path of the model file in a run directory.
std::string model_path(const std::string& directory);

/// `trained` are the tensors the optimizer updates: the energy's parameters, then the loss's own
/// (NCE's log Z); the optimizer's state covers all of them.
void save_model(const std::string& directory, const TrainConfig& config, const TrainState& state,
                const energies::MLPEnergy& energy, const std::vector<Tensor>& trained, const optim::Adam* optimizer);

struct LoadedModel {
  TrainConfig config;
  TrainState state;
  std::shared_ptr<energies::MLPEnergy> energy;
  std::vector<Tensor> loss_parameters;  // the loss's own trained tensors (NCE's log Z), if any
  optim::Adam::State optimizer;          // over the energy's parameters, then loss_parameters
};

/// Rebuilds the model from DIR/model.ebm; throws CliError(kModelError) for a missing, truncated,
/// corrupted or inconsistent file.
LoadedModel load_model(const std::string& directory);

}  // namespace ebm::tools
