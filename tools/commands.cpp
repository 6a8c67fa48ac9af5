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
#include "tools/model_file.hpp"
#include "samplers/resample.hpp"
#include "tools/recipe.hpp"

namespace ebm::tools {

void refuse_to_overwrite(const std::string& path, bool force) {
  if (!force && std::filesystem::exists(path)) {
    throw CliError(kOutputExists, "'" + path + "' exists; choose another output or pass --force to replace it");
  }
}

std::array<double, 4> padded_box(const Tensor& points) {
  const std::vector<double> v = points.to_vector();
  std::array<double, 4> box = {INFINITY, -INFINITY, INFINITY, -INFINITY};
  for (std::size_t i = 0; i + 1 < v.size(); i += 2) {
    box[0] = std::min(box[0], v[i]);
    box[1] = std::max(box[1], v[i]);
    box[2] = std::min(box[2], v[i + 1]);
    box[3] = std::max(box[3], v[i + 1]);
  }
  const double pad_x = 0.1 * (box[1] - box[0]) + 1e-3, pad_y = 0.1 * (box[3] - box[2]) + 1e-3;
  return {box[0] - pad_x, box[1] + pad_x, box[2] - pad_y, box[3] + pad_y};
}

Tensor draw_samples(const TrainConfig& config, SamplerConfig sampler, const std::shared_ptr<energies::EnergyFunction>& energy,
                    int64_t n, Generator& generator, Device device, const std::string& context) {
  if (sampler.name == "annealed" && sampler.sigmas.empty()) sampler.sigmas = model_noise_levels(config);
  if (sampler.start != "uniform" && sampler.start != "resampled") {
    throw CliError(kUsageError, "unknown --start '" + sampler.start + "'; known: uniform, resampled");
  }
  // Uniform draws in the box (beyond 2-D, in [−4, 4]^D): the start, or the proposals to resample it from.
  const auto uniform = [&](int64_t count) {
    NoGradGuard no_grad;
    const auto& b = config.box;
    const Tensor u = rand({count, config.dimension}, generator);
    return (config.dimension == 2 ? u * tensor({b[1] - b[0], b[3] - b[2]}, {2}) + tensor({b[0], b[2]}, {2}) : u * 8.0 - 4.0).to(device);
  };
  try {
    const Tensor start = sampler.start == "uniform" ? uniform(n) : samplers::importance_resample(*energy, uniform(std::max<int64_t>(100 * n, 10000)), n, generator);
    return make_sampler(sampler, energy)->sample(start, sampler.steps, generator);
  } catch (const std::runtime_error& error) {
    throw CliError(kDiverged, context + ": " + error.what());
  }
}

int sample_command(const SampleRequest& request) {
  if (request.n < 1) throw CliError(kUsageError, "--n must be ≥ 1");
  refuse_to_overwrite(request.out, request.force);
  const LoadedModel model = load_model(request.model);
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
  if (sampler.steps < 0) throw CliError(kUsageError, "--steps must be ≥ 0");
  Generator generator(request.seed);
  model.energy->to(request.device);
  const Tensor samples = draw_samples(model.config, sampler, model.energy, request.n, generator, request.device, "sampling failed");
  write_points(request.out, samples);
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
  const LoadedModel model = load_model(request.model);
  if (model.config.dimension != 2) throw CliError(kUsageError, "plot draws 2-D models; this one has D = " + std::to_string(model.config.dimension));
  Tensor data;
  if (!model.config.data_file.empty()) {
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
