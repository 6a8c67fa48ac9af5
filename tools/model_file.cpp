#include "tools/model_file.hpp"

#include <cstring>

#include "io/atomic_file.hpp"
#include "nn/checkpoint.hpp"
#include "tools/cli_error.hpp"

namespace ebm::tools {
namespace {

constexpr char magic[8] = {'E', 'B', 'M', 'M', 'O', 'D', 'E', 'L'};

}  // namespace

std::string model_path(const std::string& directory) { return directory + "/model.ebm"; }

void save_model(const std::string& directory, const TrainConfig& config, const TrainState& state,
                const energies::MLPEnergy& energy, const std::vector<Tensor>& trained, const optim::Adam* optimizer) {
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
  nlohmann::json json = {{"config", config_to_json(config)},
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
  try {
    io::write_file_atomically(model_path(directory), bytes);
  } catch (const std::exception& error) {
    throw CliError(kIoError, error.what());
  }
}

LoadedModel load_model(const std::string& directory) {
  const std::string path = model_path(directory);
  std::string bytes;
  try {
    bytes = io::read_file(path);
  } catch (const std::exception& error) {
    throw CliError(kModelError, std::string("no model in '") + directory + "': " + error.what());
  }
  const std::size_t header = sizeof magic + sizeof(uint32_t) + sizeof(uint64_t);
  if (bytes.size() < header || std::memcmp(bytes.data(), magic, sizeof magic) != 0) {
    throw CliError(kModelError, path + " is not an ebm model file (or is truncated)");
  }
  uint32_t version;
  uint64_t length;
  std::memcpy(&version, bytes.data() + sizeof magic, sizeof version);
  std::memcpy(&length, bytes.data() + sizeof magic + sizeof version, sizeof length);
  if (version < 1 || version > model_format_version) {
    throw CliError(kModelError, path + " has model format version " + std::to_string(version) + "; this ebm reads versions 1 to " +
                                    std::to_string(model_format_version));
  }
  if (length > bytes.size() - header) throw CliError(kModelError, path + " is truncated");
  LoadedModel loaded;
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(bytes.substr(header, length));
    loaded.config = config_from_json(json.at("config"), version);
    json.at("state").at("step").get_to(loaded.state.step);
    json.at("state").at("seconds").get_to(loaded.state.seconds);
    json.at("state").at("generator_offset").get_to(loaded.state.generator_offset);
    json.at("state").at("update_counts").get_to(loaded.optimizer.update_counts);
    for (const auto& entry : json.at("loss_parameters")) {
      const std::string dtype = entry.at("dtype").get<std::string>();
      if (dtype != "float32" && dtype != "float64") throw CliError(kModelError, path + " is corrupted: unknown dtype " + dtype);
      loaded.loss_parameters.push_back(zeros(entry.at("shape").get<Shape>(), dtype == "float32" ? DType::Float32 : DType::Float64));
    }
  } catch (const nlohmann::json::exception& error) {
    throw CliError(kModelError, path + " is corrupted: its configuration cannot be read (" + error.what() + ")");
  }
  Generator generator(loaded.config.seed);
  loaded.energy = make_energy(loaded.config, generator);
  std::vector<Tensor> parameters = loaded.energy->parameters();
  parameters.insert(parameters.end(), loaded.loss_parameters.begin(), loaded.loss_parameters.end());
  const std::size_t count = parameters.size();
  if (loaded.optimizer.update_counts.size() != count) {
    throw CliError(kModelError, path + " is corrupted: its optimizer state does not match the model");
  }
  std::vector<Tensor> tensors = parameters;
  for (std::size_t i = 0; i < 2 * count; ++i) tensors.push_back(zeros_like(parameters[i % count]));
  try {
    nn::deserialize_parameters(tensors, bytes.substr(header + length), path);
  } catch (const std::exception& error) {
    throw CliError(kModelError, std::string(error.what()) + " (the file does not match the architecture its configuration describes)");
  }
  loaded.optimizer.first_moments.assign(tensors.begin() + static_cast<std::ptrdiff_t>(count), tensors.begin() + static_cast<std::ptrdiff_t>(2 * count));
  loaded.optimizer.second_moments.assign(tensors.begin() + static_cast<std::ptrdiff_t>(2 * count), tensors.end());
  return loaded;
}

}  // namespace ebm::tools
