// The model file, DIR/model.ebm: a trained model's configuration, its progress, its parameters and
// its optimizer's state, in one file written atomically. docs/model_file.md gives the layout
// byte by byte and the changes of each format version, so that a reader in another language can be
// written from it; this is the one writer and reader of the format.
//
//   "EBMMODEL" | format version u32 | JSON length u64 | JSON | parameter blob (nn/checkpoint.hpp
//   format: the model's parameters, then Adam's first and second moments)
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "energies/mlp_energy.hpp"
#include "models/config.hpp"
#include "optim/optimizer.hpp"

namespace ebm::models {

/// Version 2 added the noise-conditional model and the recipe's fields to the configuration;
/// version 3 gave annealed Langevin's ε the paper's convention (half the step of the same ε
/// before); version 4 added Fourier features (fourier_features, fourier_scale; their frequencies
/// are redrawn from the seed, as the initial weights were); version 5 averages a noise-conditional
/// model's features over each level's noise (fourier_averaged; false in older files); version 6
/// restarts a share of pcd's chains at data points (data_restart_fraction; 0 in older files);
/// version 7 standardises wide data and records its range (data_mean, data_scale, data_low,
/// data_high; none in older files), and denoises and clips samples (the samplers' denoise and
/// clip; false in older files); version 8 preconditions a noise-conditional model of standardised
/// data (preconditioned; false in older files). Older files are read with the values that
/// reproduce their runs.
inline constexpr uint32_t model_format_version = 8;

/// A model file that is missing, truncated, corrupted, of an unknown version, or inconsistent
/// with the architecture its configuration describes; the message names the file and the problem.
class ModelFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Progress of a training run.
struct TrainState {
  int64_t step = 0;
  double seconds = 0;
  uint64_t generator_offset = 0;  // where training's random stream stands, so a resumed run continues it
};

/// The path of the model file of a run directory.
std::string model_path(const std::string& directory);

/// Writes DIR/model.ebm atomically. `trained` are the tensors the optimizer updates: the energy's
/// parameters, then the loss's own (NCE's log Z); the optimizer's state (zeros without one) covers
/// all of them. Throws std::runtime_error when the file cannot be written.
void save_model(const std::string& directory, const TrainConfig& config, const TrainState& state, const energies::MLPEnergy& energy,
                const std::vector<Tensor>& trained, const optim::Adam* optimizer);

struct LoadedModel {
  TrainConfig config;
  TrainState state;
  std::shared_ptr<energies::MLPEnergy> energy;  // in the model's own units, on the CPU
  std::vector<Tensor> loss_parameters;          // the loss's own trained tensors (NCE's log Z), if any
  optim::Adam::State optimizer;                 // over the energy's parameters, then loss_parameters
};

/// Rebuilds the model of a run directory, or of a model file given by its path; throws
/// ModelFileError naming the file and what is wrong with it.
LoadedModel load_model(const std::string& path);

/// The configuration as the model file's JSON text, and back from the text of a file of format
/// `format_version`, with the values that reproduce an older file's run; throws ModelFileError
/// naming a missing or invalid field.
std::string config_to_json(const TrainConfig& config);
TrainConfig config_from_json(const std::string& json, uint32_t format_version);

}  // namespace ebm::models
