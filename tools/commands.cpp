// ebm sample, eval, plot, data and datasets.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "energies/gaussian_mixture.hpp"
#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"
#include "engine/threads.hpp"
#include "tools/cli_error.hpp"
#include "tools/commands.hpp"
#include "tools/csv.hpp"
#include "tools/datasets.hpp"
#include "tools/metrics.hpp"
#include "models/model_file.hpp"
#include "models/trained_model.hpp"

namespace ebm::tools {

void refuse_to_overwrite(const std::string& path, bool force) {
  if (!force && std::filesystem::exists(path)) {
    throw CliError(kOutputExists, "'" + path + "' exists; choose another output or pass --force to replace it");
  }
}

Tensor sample_model(const TrainConfig& config, const SamplerConfig& sampler, const std::shared_ptr<energies::EnergyFunction>& energy, int64_t n,
                    Generator& generator, Device device, const std::string& context) {
  try {
    return models::draw_samples(config, sampler, energy, n, generator, device);
  } catch (const std::runtime_error& error) {
    throw CliError(kDiverged, context + ": " + error.what());
  }
}

int sample_command(const SampleRequest& request) {
  if (request.n < 1) throw CliError(kUsageError, "--n must be ≥ 1");
  refuse_to_overwrite(request.out, request.force);
  const models::LoadedModel model = models::load_model(request.model);
  // The model's own sampler settings, with the options given on the command line on top.
  SamplerConfig sampler = model.config.sampler;
  const auto given = [&request](const char* option) {
    return std::find(request.given.begin(), request.given.end(), option) != request.given.end();
  };
  if (given("--sampler")) sampler.name = request.sampler.name;
  if (given("--step-size")) sampler.step_size = request.sampler.step_size;
  if (given("--noise-scale")) sampler.noise_scale = request.sampler.noise_scale;
  if (given("--leapfrog")) sampler.leapfrog = request.sampler.leapfrog;
  if (given("--sigmas")) sampler.sigmas = request.sampler.sigmas;
  if (given("--steps")) sampler.steps = request.sampler.steps;
  if (given("--adapt-steps")) sampler.adapt_steps = request.sampler.adapt_steps;
  if (given("--target-acceptance")) sampler.target_acceptance = request.sampler.target_acceptance;
  if (given("--start")) sampler.start = request.sampler.start;
  if (given("--denoise")) sampler.denoise = request.sampler.denoise;
  if (given("--clip")) sampler.clip = request.sampler.clip;
  if (sampler.steps < 0) throw CliError(kUsageError, "--steps must be ≥ 0");
  Generator generator(request.seed);
  model.energy->to(request.device);
  const Tensor samples = sample_model(model.config, sampler, model.energy, request.n, generator, request.device, "sampling failed");
  write_points(request.out, samples);
  return kSuccess;
}

int energy_command(const EnergyRequest& request) {
  if (!request.out.empty()) refuse_to_overwrite(request.out, request.force);
  models::TrainedModel model = models::TrainedModel::load(request.model);
  model.to(request.device);
  const Tensor x = read_points(request.data);
  const int64_t d = model.dimension();
  if (x.size(1) != d) {
    throw CliError(kInputError, "'" + request.data + "' has " + std::to_string(x.size(1)) + " columns, and the model takes points of " +
                                    std::to_string(d));
  }
  std::vector<std::string> columns = {"energy"};
  for (int64_t c = 0; request.score && c < d; ++c) columns.push_back("score_" + std::to_string(c + 1));
  std::vector<std::vector<double>> rows;
  constexpr int64_t chunk = 4096;  // rows evaluated at a time
  for (int64_t first = 0; first < x.size(0); first += chunk) {
    const Tensor part = slice(x, 0, first, std::min(x.size(0), first + chunk));
    const std::vector<double> energies = model.energy(part).to_vector();
    const std::vector<double> scores = request.score ? model.score(part).to_vector() : std::vector<double>{};
    for (std::size_t i = 0; i < energies.size(); ++i) {
      std::vector<double> row = {energies[i]};
      if (request.score) row.insert(row.end(), scores.begin() + static_cast<std::ptrdiff_t>(i * static_cast<std::size_t>(d)),
                                    scores.begin() + static_cast<std::ptrdiff_t>((i + 1) * static_cast<std::size_t>(d)));
      rows.push_back(std::move(row));
    }
  }
  if (request.out.empty()) {
    std::fputs(table_text(columns, rows).c_str(), stdout);
  } else {
    write_table(request.out, columns, rows);
  }
  return kSuccess;
}

int eval_command(const EvalRequest& request) {
  if (request.dataset.empty() == request.data.empty()) throw CliError(kUsageError, "eval needs exactly one of --dataset NAME and --data FILE");
  const Tensor samples = read_points(request.samples);
  if (samples.size(0) < 2) throw CliError(kInputError, request.samples + ": needs at least 2 samples");
  Tensor reference;
  Modes modes;
  if (!request.dataset.empty()) {
    const auto parameters = dataset_parameters(request.dataset, request.parameters);
    Generator generator(request.seed);
    reference = generate_dataset(request.dataset, request.n > 0 ? request.n : samples.size(0), parameters, generator);
    modes = dataset_modes(request.dataset, parameters);
  } else {
    reference = read_points(request.data);
  }
  if (reference.size(1) != samples.size(1)) {
    throw CliError(kInputError, "samples have " + std::to_string(samples.size(1)) + " columns but the reference data has " +
                                    std::to_string(reference.size(1)));
  }
  if (request.n < 0 || request.mode_radius < 0) throw CliError(kUsageError, "--n and --mode-radius must be ≥ 0");
  if (reference.size(0) < 2) throw CliError(kInputError, "the reference data needs at least 2 points");
  const MMD mmd = mmd_rbf(samples, reference);
  if (!(mmd.bandwidth > 1e-12)) {
    throw CliError(kInputError, "most points coincide (the median distance between them is 0), so the kernel bandwidth is 0; "
                                "the samples or the data have no spread");
  }
  nlohmann::json result = {{"n_samples", samples.size(0)},
                           {"n_reference", reference.size(0)},
                           {"mmd2", mmd.mmd2},
                           {"mmd", std::sqrt(std::max(0.0, mmd.mmd2))},
                           {"mmd_bandwidth", mmd.bandwidth},
                           {"energy_distance", energy_distance(samples, reference)}};
  if (!modes.centres.empty() && samples.size(1) == 2) {
    const ModeCoverage coverage = mode_coverage(samples, modes, request.mode_radius > 0 ? request.mode_radius : default_mode_radius(modes));
    result["modes"] = {{"count", modes.centres.size()},
                       {"covered_fraction", coverage.covered_fraction},
                       {"near_fraction", coverage.near_fraction},
                       {"radius", coverage.radius}};
  }
  std::cout << result.dump(2) << std::endl;
  return kSuccess;
}

std::shared_ptr<energies::EnergyFunction> dataset_energy(const TrainConfig& config) {
  const Modes modes = config.data_file.empty() ? dataset_modes(config.dataset, dataset_parameters(config.dataset, config.dataset_parameters))
                                               : Modes{};
  if (modes.centres.empty()) {
    throw CliError(kUsageError, "--true-energy draws the density of a mixture dataset (eight_gaussians, gaussian_mixture, "
                                "grid), which is known; this model was trained on " +
                                    (config.data_file.empty() ? config.dataset : "the points of " + config.data_file));
  }
  const auto k = static_cast<int64_t>(modes.centres.size());
  std::vector<double> means;
  for (const auto& centre : modes.centres) means.insert(means.end(), centre.begin(), centre.end());
  return std::make_shared<energies::GaussianMixture>(tensor(means, {k, 2}), full({k}, modes.std), ones({k}));
}

int plot_command(const PlotRequest& request) {
  refuse_to_overwrite(request.out, request.force);
  const models::LoadedModel model = models::load_model(request.model);
  Tensor data;
  if (!request.data.empty()) {
    data = read_points(request.data);
  } else if (!model.config.data_file.empty()) {
    data = read_points(model.config.data_file);
  } else {
    Generator generator(model.config.seed + 1);
    data = generate_dataset(model.config.dataset, 1000, model.config.dataset_parameters, generator);
  }
  std::string samples_path = request.samples;
  // The model's own samples, unless the picture is of the data's energy.
  if (samples_path.empty() && !request.true_energy && std::filesystem::exists(request.model + "/samples.csv")) {
    samples_path = request.model + "/samples.csv";
  }
  const Tensor samples = samples_path.empty() ? Tensor() : read_points(samples_path);
  if (model.config.dimension != 2 || request.image_shape[0] > 0) {
    // Wide data: rows as images, or a scatter matrix of the first columns.
    if (request.true_energy || request.options.density || request.options.score) {
      throw CliError(kUsageError, "--true-energy, --density and --score draw the plane's energy; this model has D = " +
                                      std::to_string(model.config.dimension));
    }
    if (request.image_shape[0] > 0) {
      plot_images(request.out, data, samples, request.image_shape[0], request.image_shape[1], 100, request.options.title);
    } else {
      plot_scatter_matrix(request.out, data, samples, 4, request.options.title);
    }
    return kSuccess;
  }
  if (request.true_energy) {
    plot_energy(request.out, *dataset_energy(model.config), model.config.box, data, samples, request.options);
  } else {
    plot_energy(request.out, *model.energy, model.config.box, data, samples, request.options);
  }
  return kSuccess;
}

int data_command(const DataRequest& request) {
  if (request.n < 1) throw CliError(kUsageError, "--n must be ≥ 1");
  const auto parameters = dataset_parameters(request.dataset, request.parameters);
  refuse_to_overwrite(request.out, request.force);
  Generator generator(request.seed);
  write_points(request.out, generate_dataset(request.dataset, request.n, parameters, generator));
  return kSuccess;
}

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device::CPU;
  if (name != "cuda") throw CliError(kUsageError, "--device must be cpu or cuda, got '" + name + "'");
  if (!cuda_is_available()) throw CliError(kUsageError, "--device cuda: " + cuda_device_description() + " (ebm info shows what this build supports)");
  return Device::CUDA;
}

int info_command() {
  std::printf("ebm %s\n", EBM_VERSION);
  std::printf("devices in this build: cpu%s\n",
              cuda_architectures().empty() ? " (no CUDA backend)" : (", cuda (kernels for " + cuda_architectures() + ")").c_str());
  std::string levels;
  for (const std::string& level : cpu_capabilities()) levels += (levels.empty() ? "" : ", ") + level;
  std::printf("cpu kernels: %s (this CPU runs: %s; EBM_CPU_CAPABILITY forces a lower one)\n", cpu_capability().c_str(),
              levels.c_str());
  std::printf("cpu threads for products: %d\n", num_threads());
  std::printf("gpu: %s\n", cuda_device_description().c_str());
  std::printf("cuda usable: %s\n", cuda_is_available() ? "yes" : "no");
  return kSuccess;
}

int datasets_command() {
  for (const DatasetInfo& info : datasets()) {
    std::printf("%-17s %s\n", info.name.c_str(), info.description.c_str());
    std::string parameters;
    for (const auto& [name, value] : info.parameters) {
      char text[64];
      std::snprintf(text, sizeof text, "%s%s=%g", parameters.empty() ? "" : ", ", name.c_str(), value);
      parameters += text;
    }
    std::printf("%-17s parameters: %s\n", "", parameters.c_str());
  }
  return kSuccess;
}

}  // namespace ebm::tools
