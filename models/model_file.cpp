#include "models/model_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "io/atomic_file.hpp"
#include "models/factory.hpp"
#include "nn/checkpoint.hpp"

namespace ebm::models {

// The JSON form is every field by name (flat), read back with `at`, so a missing field throws.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SamplerConfig, name, step_size, steps, noise_scale, leapfrog, sigmas, adapt_steps, target_acceptance, start,
                                   denoise, clip)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TrainConfig, dataset, dataset_parameters, data_file, data_mean, data_scale, data_low, data_high, hidden, depth, activation,
                                   fourier_features, fourier_scale, fourier_averaged, preconditioned, loss, noise_conditional, sigmas, noise_levels, projections,
                                   projection, variance_reduced, sm_method, probes, cd_steps, cd_sampler, energy_regularization, buffer_size,
                                   data_restart_fraction, noise_ratio, noise_widen, steps, batch_size, lr, lr_schedule, seed, log_every,
                                   checkpoint_every, n_samples, sampler, box, dimension)

namespace {

constexpr char magic[8] = {'E', 'B', 'M', 'M', 'O', 'D', 'E', 'L'};

/// The configuration of a file of format `version`: fields added in later formats take, in older
/// files, the values that reproduce their runs.
TrainConfig config_from_json(const nlohmann::json& json, uint32_t version, const std::string& path) {
  nlohmann::json completed = json;
  const auto complete = [](nlohmann::json& object, const char* field, const nlohmann::json& value) {
    if (object.is_object() && !object.contains(field)) object[field] = value;
  };
  complete(completed, "noise_conditional", false);  // format 2
  complete(completed, "noise_levels", 10);
  complete(completed, "lr_schedule", "constant");
  complete(completed, "fourier_features", 0);  // format 4
  complete(completed, "fourier_scale", 1.0);
  complete(completed, "fourier_averaged", false);  // format 5
  complete(completed, "data_restart_fraction", 0.0);  // format 6
  complete(completed, "data_mean", nlohmann::json::array());  // format 7
  complete(completed, "data_scale", nlohmann::json::array());
  complete(completed, "data_low", nlohmann::json::array());
  complete(completed, "data_high", nlohmann::json::array());
  complete(completed, "preconditioned", false);  // format 8
  for (const char* sampler : {"sampler", "cd_sampler"}) {
    if (!completed.is_object() || !completed.contains(sampler)) continue;
    complete(completed[sampler], "adapt_steps", 0);
    complete(completed[sampler], "target_acceptance", 0.574);
    complete(completed[sampler], "start", "uniform");
    complete(completed[sampler], "denoise", false);
    complete(completed[sampler], "clip", false);
  }
  TrainConfig config;
  try {
    config = completed.get<TrainConfig>();
  } catch (const nlohmann::json::exception& error) {
    throw ModelFileError(path + " is corrupted: its configuration is incomplete or invalid (" + error.what() + ")");
  }
  // Before format 3 annealed Langevin stepped by αᵢ with noise √(2αᵢ); it now takes the paper's
  // αᵢ/2 and √αᵢ, so the same chains need twice the ε.
  for (SamplerConfig* sampler : {&config.sampler, &config.cd_sampler}) {
    if (version < 3 && sampler->name == "annealed") sampler->step_size *= 2;
  }
  const auto columns = static_cast<std::size_t>(config.dimension);
  const bool scales_valid = std::all_of(config.data_scale.begin(), config.data_scale.end(), [](double s) { return std::isfinite(s) && s > 0; }) &&
                            std::all_of(config.data_mean.begin(), config.data_mean.end(), [](double m) { return std::isfinite(m); });
  const bool range_valid = config.data_low.size() == config.data_high.size() &&
                           (config.data_low.empty() || config.data_low.size() == columns) &&
                           std::equal(config.data_low.begin(), config.data_low.end(), config.data_high.begin(), std::less_equal<>());
  if (config.dimension < 1 || config.data_mean.size() != config.data_scale.size() ||
      (config.standardized() && config.data_mean.size() != columns) || !scales_valid || !range_valid) {
    throw ModelFileError(path + " is corrupted: its standardisation does not fit its " + std::to_string(config.dimension) +
                         " columns (a mean, a positive finite scale and a range for each, or none)");
  }
  return config;
}

/// DIR/model.ebm for a directory, the path itself for a file.
std::string file_of(const std::string& path) {
  std::error_code error;
  return std::filesystem::is_directory(path, error) ? model_path(path) : path;
}

}  // namespace

std::string model_path(const std::string& directory) { return directory + "/model.ebm"; }

std::string config_to_json(const TrainConfig& config) { return nlohmann::json(config).dump(1); }

TrainConfig config_from_json(const std::string& json, uint32_t format_version) {
  try {
    return config_from_json(nlohmann::json::parse(json), format_version, "the configuration");
  } catch (const nlohmann::json::exception& error) {
    throw ModelFileError(std::string("the configuration is not JSON: ") + error.what());
  }
}

void save_model(const std::string& directory, const TrainConfig& config, const TrainState& state, const energies::MLPEnergy& energy,
                const std::vector<Tensor>& trained, const optim::Adam* optimizer) {
  std::vector<Tensor> tensors = trained;
  const std::size_t count = tensors.size();
  const std::size_t energy_count = energy.parameters().size();
  nlohmann::json loss_shapes = nlohmann::json::array();
  for (std::size_t i = energy_count; i < count; ++i) {
    loss_shapes.push_back({{"shape", tensors[i].shape()}, {"dtype", dtype_name(tensors[i].dtype())}});
  }
  std::vector<int64_t> update_counts(count, 0);
  if (optimizer != nullptr) {
    const optim::Adam::State adam = optimizer->state();
    tensors.insert(tensors.end(), adam.first_moments.begin(), adam.first_moments.end());
    tensors.insert(tensors.end(), adam.second_moments.begin(), adam.second_moments.end());
    update_counts = adam.update_counts;
  } else {
    for (std::size_t i = 0; i < 2 * count; ++i) tensors.push_back(zeros_like(tensors[i % count]));
  }
  const nlohmann::json json = {{"config", config},
                               {"state",
                                {{"step", state.step},
                                 {"seconds", state.seconds},
                                 {"generator_offset", state.generator_offset},
                                 {"update_counts", update_counts}}},
                               {"loss_parameters", loss_shapes}};
  const std::string text = json.dump(1);
  std::string bytes(magic, sizeof magic);
  const uint32_t version = model_format_version;
  const uint64_t length = text.size();
  bytes.append(reinterpret_cast<const char*>(&version), sizeof version);
  bytes.append(reinterpret_cast<const char*>(&length), sizeof length);
  bytes += text;
  bytes += nn::serialize_parameters(tensors);
  io::write_file_atomically(model_path(directory), bytes);
}

LoadedModel load_model(const std::string& location) {
  const std::string path = file_of(location);
  std::string bytes;
  try {
    bytes = io::read_file(path);
  } catch (const std::exception& error) {
    throw ModelFileError("no model in '" + location + "': " + error.what());
  }
  const std::size_t header = sizeof magic + sizeof(uint32_t) + sizeof(uint64_t);
  if (bytes.size() < header || std::memcmp(bytes.data(), magic, sizeof magic) != 0) {
    throw ModelFileError(path + " is not an ebm model file (or is truncated)");
  }
  uint32_t version;
  uint64_t length;
  std::memcpy(&version, bytes.data() + sizeof magic, sizeof version);
  std::memcpy(&length, bytes.data() + sizeof magic + sizeof version, sizeof length);
  if (version < 1 || version > model_format_version) {
    throw ModelFileError(path + " has model format version " + std::to_string(version) + "; this ebm reads versions 1 to " +
                         std::to_string(model_format_version));
  }
  if (length > bytes.size() - header) throw ModelFileError(path + " is truncated");
  LoadedModel loaded;
  try {
    const nlohmann::json json = nlohmann::json::parse(bytes.substr(header, length));
    loaded.config = config_from_json(json.at("config"), version, path);
    json.at("state").at("step").get_to(loaded.state.step);
    json.at("state").at("seconds").get_to(loaded.state.seconds);
    json.at("state").at("generator_offset").get_to(loaded.state.generator_offset);
    json.at("state").at("update_counts").get_to(loaded.optimizer.update_counts);
    for (const auto& entry : json.at("loss_parameters")) {
      const std::string dtype = entry.at("dtype").get<std::string>();
      if (dtype != "float32" && dtype != "float64") throw ModelFileError(path + " is corrupted: unknown dtype " + dtype);
      loaded.loss_parameters.push_back(zeros(entry.at("shape").get<Shape>(), dtype == "float32" ? DType::Float32 : DType::Float64));
    }
  } catch (const nlohmann::json::exception& error) {
    throw ModelFileError(path + " is corrupted: its configuration cannot be read (" + error.what() + ")");
  }
  Generator generator(loaded.config.seed);
  try {
    loaded.energy = make_energy(loaded.config, generator);
  } catch (const std::invalid_argument& error) {
    throw ModelFileError(path + " is corrupted: its configuration describes no model (" + error.what() + ")");
  }
  std::vector<Tensor> parameters = loaded.energy->parameters();
  parameters.insert(parameters.end(), loaded.loss_parameters.begin(), loaded.loss_parameters.end());
  const std::size_t count = parameters.size();
  if (loaded.optimizer.update_counts.size() != count) {
    throw ModelFileError(path + " is corrupted: its optimizer state does not match the model");
  }
  std::vector<Tensor> tensors = parameters;
  for (std::size_t i = 0; i < 2 * count; ++i) tensors.push_back(zeros_like(parameters[i % count]));
  try {
    nn::deserialize_parameters(tensors, bytes.substr(header + length), path);
  } catch (const std::exception& error) {
    throw ModelFileError(std::string(error.what()) + " (the file does not match the architecture its configuration describes)");
  }
  const auto energy_end = tensors.begin() + static_cast<std::ptrdiff_t>(count);
  loaded.optimizer.first_moments.assign(energy_end, energy_end + static_cast<std::ptrdiff_t>(count));
  loaded.optimizer.second_moments.assign(energy_end + static_cast<std::ptrdiff_t>(count), tensors.end());
  return loaded;
}

}  // namespace ebm::models
