// ebm train: fit an MLP energy to a dataset with one of the losses, checkpointing as it goes.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "engine/autograd/anomaly.hpp"
#include "engine/autograd/grad_mode.hpp"
#include "energies/noise_conditional.hpp"
#include "engine/ops.hpp"
#include "tools/commands.hpp"
#include "tools/csv.hpp"
#include "tools/cli_error.hpp"
#include "tools/datasets.hpp"
#include "tools/interrupt.hpp"
#include "models/factory.hpp"
#include "models/model_file.hpp"
#include "models/recipe.hpp"
#include "models/trained_model.hpp"
#include "tools/progress.hpp"

namespace ebm::tools {
namespace {

using models::LoadedModel;
using models::model_path;
using models::TrainState;

/// Where training data comes from: fresh draws of a dataset, or rows of a CSV file.
class DataSource {
 public:
  explicit DataSource(const TrainConfig& config) : config_(config) {
    if (!config.data_file.empty()) {
      file_data_ = read_points(config.data_file);
      file_values_ = file_data_.to_vector();
    }
  }
  /// A batch of n points.
  Tensor batch(int64_t n, Generator& generator) const {
    if (!file_data_.defined()) return generate_dataset(config_.dataset, n, config_.dataset_parameters, generator).to(DType::Float32);
    // Rows drawn uniformly with replacement.
    const std::vector<double> u = rand({n}, generator, DType::Float64).to_vector();
    const int64_t rows = file_data_.size(0), d = file_data_.size(1);
    std::vector<double> values;
    values.reserve(static_cast<std::size_t>(n * d));
    for (double value : u) {
      const int64_t row = std::min(rows - 1, static_cast<int64_t>(value * static_cast<double>(rows)));
      values.insert(values.end(), file_values_.begin() + row * d, file_values_.begin() + (row + 1) * d);
    }
    return tensor(values, {n, d}, DType::Float32);
  }
  /// A fixed reference sample (independent of training's stream): the data file, or 10,000 draws.
  Tensor reference(uint64_t seed) const {
    if (file_data_.defined()) return file_data_;
    Generator generator(seed + 1);
    return generate_dataset(config_.dataset, 10000, config_.dataset_parameters, generator);
  }

 private:
  const TrainConfig& config_;
  Tensor file_data_;
  std::vector<double> file_values_;
};

std::vector<std::string> log_columns(const std::map<std::string, double>& metrics) {
  std::vector<std::string> columns = {"step", "loss"};
  for (const auto& [name, value] : metrics) {
    if (name != "loss") columns.push_back(name);
  }
  columns.push_back("seconds");
  return columns;
}

void check_config(const TrainConfig& c) {
  const auto require = [](bool ok, const std::string& message) {
    if (!ok) throw CliError(kUsageError, message);
  };
  require(c.steps >= 1, "--steps must be ≥ 1");
  require(c.batch_size >= 1, "--batch-size must be ≥ 1");
  require(c.lr > 0 && std::isfinite(c.lr), "--lr must be > 0");
  require(c.lr_schedule == "constant" || c.lr_schedule == "cosine", "--lr-schedule must be constant or cosine, got '" + c.lr_schedule + "'");
  require(c.hidden >= 1 && c.hidden <= 65536, "--hidden must be between 1 and 65536");
  require(c.depth >= 1 && c.depth <= 64, "--depth must be between 1 and 64");
  require(c.log_every >= 1, "--log-every must be ≥ 1");
  require(c.checkpoint_every >= 1, "--checkpoint-every must be ≥ 1");
  require(c.n_samples >= 1, "--samples must be ≥ 1");
  require(c.sampler.steps >= 0, "--sampler-steps must be ≥ 0");
  require(c.noise_levels >= 2, "--noise-levels must be ≥ 2");
  if (c.conditional_on_noise()) {
    for (std::size_t i = 1; i < c.sigmas.size(); ++i) {
      require(c.sigmas[i] < c.sigmas[i - 1], "--sigma: the levels of a noise-conditional model must be strictly decreasing (σ₁ > … > σ_L)");
    }
  }
}

}  // namespace

int train_command(const TrainRequest& request) {
  TrainConfig config = request.config;
  std::string directory = request.out;
  TrainState state;
  std::optional<optim::Adam::State> adam_state;
  std::vector<Tensor> saved_loss_parameters;
  std::shared_ptr<energies::MLPEnergy> energy;
  uint64_t generator_offset = 0;

  if (!request.resume.empty()) {
    directory = request.resume;
    LoadedModel loaded = models::load_model(directory);
    const int64_t steps = request.steps_given ? request.config.steps : loaded.config.steps;
    config = loaded.config;
    config.steps = steps;
    state = loaded.state;
    energy = loaded.energy;
    adam_state = loaded.optimizer;
    saved_loss_parameters = loaded.loss_parameters;
    generator_offset = loaded.state.generator_offset;
    if (state.step >= config.steps) {
      throw CliError(kUsageError, "the run in '" + directory + "' has already done " + std::to_string(state.step) +
                                      " steps; pass --steps with a larger total to continue it");
    }
  } else {
    if (config.dataset.empty() == config.data_file.empty()) {
      throw CliError(kUsageError, "train needs exactly one of --dataset NAME and --data FILE");
    }
    if (!config.dataset.empty()) config.dataset_parameters = dataset_parameters(config.dataset, config.dataset_parameters);
    check_config(config);
    if (std::filesystem::exists(directory) && !std::filesystem::is_empty(directory) && !request.force) {
      throw CliError(kOutputExists, "output directory '" + directory + "' exists and is not empty; choose another or pass --force");
    }
  }

  const DataSource source(config);
  const Tensor reference = source.reference(config.seed);
  if (reference.size(1) > kMaxTrainDimension) {
    throw CliError(kInputError, "'" + config.data_file + "' has " + std::to_string(reference.size(1)) +
                                    " columns: ebm train is for low-dimensional toy EBMs and accepts at most " +
                                    std::to_string(kMaxTrainDimension) +
                                    " (an exact score-matching step grows as D²: 0.1 s at 256 columns on one core); use the library for wider data");
  }
  // The reference in the model's units: standardised for wide data (models/recipe.hpp).
  Tensor in_model_units;
  if (request.resume.empty()) {
    try {
      in_model_units = models::prepare(config, reference, request.given);
    } catch (const std::invalid_argument& error) {
      if (config.data_file.empty()) throw;
      throw CliError(kInputError, "'" + config.data_file + "': " + error.what());
    }
    Generator init(config.seed);
    energy = models::make_energy(config, init);
  } else {
    in_model_units = models::to_model_units(config, reference);
  }
  energy->to(request.device);  // before the loss and the optimizer take its parameters
  Generator generator(config.seed + 2);
  generator.reserve(generator_offset);
  const auto loss = models::make_training_loss(config, energy, in_model_units.to(DType::Float32).to(request.device), generator);
  models::make_end_sampler(config, config.sampler, energy);  // an unknown end sampler is refused now, not after training
  // Printed once the whole command line has been accepted: a refused run prints only its error.
  if (!request.quiet) std::fputs(models::describe_recipe(config).c_str(), stderr);
  std::vector<Tensor> trained = loss->parameters();
  if (adam_state) {
    const std::size_t own = trained.size() - energy->parameters().size();
    if (own != saved_loss_parameters.size()) throw CliError(kModelError, "the model's saved loss parameters do not match its loss");
    NoGradGuard no_grad;
    for (std::size_t i = 0; i < own; ++i) trained[energy->parameters().size() + i].copy_(saved_loss_parameters[i]);
  }
  optim::Adam adam(trained, {.lr = config.lr});
  if (adam_state) adam.load_state(*adam_state);

  // The log so far (a resumed run appends to it).
  std::vector<std::vector<double>> log_rows;
  std::vector<std::string> columns;
  const std::string log_path = directory + "/log.csv";
  if (!request.resume.empty() && std::filesystem::exists(log_path)) {
    const Tensor previous = read_points(log_path);
    const std::vector<double> values = previous.to_vector();
    for (int64_t i = 0; i < previous.size(0); ++i) {
      log_rows.emplace_back(values.begin() + i * previous.size(1), values.begin() + (i + 1) * previous.size(1));
    }
  }
  // `offset`: where the random stream stands for the state saved (a resumed run continues there).
  const auto checkpoint = [&](uint64_t offset) {
    state.generator_offset = offset;
    try {
      models::save_model(directory, config, state, *energy, trained, &adam);
    } catch (const std::runtime_error& error) {
      throw CliError(kIoError, error.what());
    }
    if (!columns.empty()) write_table(log_path, columns, log_rows);
  };
  if (request.resume.empty()) {
    // Created only now, when every option has been checked: a refused run leaves nothing behind.
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error) throw CliError(kIoError, "cannot create output directory '" + directory + "': " + error.message());
    checkpoint(generator.offset());  // a last good checkpoint exists from the start
  }

  std::optional<InterruptGuard> interrupt_guard(std::in_place);
  Progress progress(state.step, config.steps, request.quiet);
  const auto start = std::chrono::steady_clock::now();
  const double seconds_before = state.seconds;
  // A checkpoint is written once its parameters have given a finite loss (at the next step, before
  // that step's update), so the one the file holds when training diverges is good.
  int64_t last_good_step = state.step;
  bool checkpoint_due = false;
  const DetectAnomalyGuard anomaly_mode(request.detect_anomaly);
  // A non-finite loss, chains that diverged, or (in anomaly mode) the op that made a NaN or ±∞.
  const auto diverged = [&](const std::exception& error, const char* where) {
    progress.finish();
    return CliError(kDiverged, "training diverged at step " + std::to_string(state.step + 1) + where + ": " + error.what() +
                                   "; the last good checkpoint (step " + std::to_string(last_good_step) + ") is in " +
                                   model_path(directory));
  };
  while (state.step < config.steps) {
    if (interrupt_guard->interrupted()) {
      checkpoint(generator.offset());
      progress.finish();
      std::fprintf(stderr, "ebm: interrupted after step %lld; checkpoint written to %s (continue with --resume %s)\n",
                   static_cast<long long>(state.step), model_path(directory).c_str(), directory.c_str());
      return kInterrupted;
    }
    losses::LossOutput output;
    const uint64_t offset_before = generator.offset();
    try {
      output = (*loss)(models::to_model_units(config, source.batch(config.batch_size, generator)).to(request.device));
    } catch (const std::runtime_error& error) {
      throw diverged(error, "");
    }
    if (checkpoint_due) {
      checkpoint(offset_before);
      last_good_step = state.step;
      checkpoint_due = false;
    }
    adam.zero_grad();
    try {
      output.loss.backward();
    } catch (const AnomalyError& error) {
      throw diverged(error, " (in the backward pass)");
    }
    adam.set_lr(models::scheduled_lr(config, state.step));
    try {
      adam.step();
    } catch (const AnomalyError& error) {
      throw diverged(error, " (in the optimizer's step)");
    }
    ++state.step;
    state.seconds = seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (state.step % config.log_every == 0 || state.step == config.steps) {
      if (columns.empty()) columns = log_columns(output.metrics);
      std::vector<double> row = {static_cast<double>(state.step), output.metrics.at("loss")};
      for (std::size_t c = 2; c + 1 < columns.size(); ++c) {
        const auto found = output.metrics.find(columns[c]);
        row.push_back(found != output.metrics.end() ? found->second : NAN);
      }
      row.push_back(state.seconds);
      log_rows.push_back(row);
    }
    progress.update(state.step, output.metrics.at("loss"));
    checkpoint_due = state.step % config.checkpoint_every == 0;
  }
  progress.finish();
  interrupt_guard.reset();  // sampling and plotting below may be interrupted as usual
  checkpoint(generator.offset());

  // Samples from the trained model and its picture; a noise-conditional model at its finest level.
  if (auto* conditional = dynamic_cast<energies::NoiseConditional*>(energy.get())) conditional->set_noise_level(config.sigmas.back());
  Generator sampling(config.seed + 3);
  const Tensor samples = sample_model(config, config.sampler, energy, config.n_samples, sampling, request.device,
                                      "the model is trained and saved in " + model_path(directory) +
                                          ", but drawing its samples failed (try ebm sample with a smaller --step-size)");
  write_points(directory + "/samples.csv", samples);
  if (config.dimension == 2) {
    plot_energy(directory + "/energy.png", *energy, config.box, reference, samples, PlotOptions{});
  } else {
    plot_scatter_matrix(directory + "/samples.png", reference, samples);
  }
  if (!request.quiet) {
    std::fprintf(stderr, "trained %lld steps in %.1fs; wrote %s/{model.ebm, log.csv, samples.csv, %s}\n",
                 static_cast<long long>(config.steps), state.seconds, directory.c_str(), config.dimension == 2 ? "energy.png" : "samples.png");
  }
  return kSuccess;
}

}  // namespace ebm::tools
