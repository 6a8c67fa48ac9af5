// The subcommands of the ebm tool. Each returns an exit code or throws CliError.
#pragma once

#include <array>
#include <map>
#include <string>

#include "models/config.hpp"
#include "tools/plot.hpp"

namespace ebm::tools {

using models::SamplerConfig;
using models::TrainConfig;

/// The device named by --device ("cpu" or "cuda"); throws CliError(kUsageError) for another name,
/// and for "cuda" when this build or machine cannot run it, saying why.
Device parse_device(const std::string& name);

struct TrainRequest {
  TrainConfig config;
  Device device = Device::CPU;
  std::string out;
  std::string resume;        // a run directory to continue; then config is taken from it
  bool steps_given = false;  // with resume: --steps sets the new total
  std::vector<std::string> given;  // the options given on the command line: the recipe leaves them as they are
  bool force = false;
  bool quiet = false;
  bool detect_anomaly = false;  // anomaly mode (engine/autograd/anomaly.hpp) while training
};
int train_command(const TrainRequest& request);
/// The most columns `ebm train` accepts: it trains toy EBMs. Measured on one core at 256 columns,
/// 512 rows and the default network: an exact-SM step takes 0.1 s, and its cost grows as D².
constexpr int64_t kMaxTrainDimension = 256;

struct SampleRequest {
  std::string model;
  Device device = Device::CPU;
  int64_t n = 1000;
  std::string out;
  SamplerConfig sampler;
  std::vector<std::string> given;  // sampler options given on the command line; the rest come from the model
  uint64_t seed = 0;
  bool force = false;
};
int sample_command(const SampleRequest& request);

struct EnergyRequest {
  std::string model;
  std::string data;
  std::string out;     // empty: standard output
  bool score = false;  // the score −∇ₓE too, one column per coordinate
  Device device = Device::CPU;
  bool force = false;
};
/// One row per row of the data file: its energy under the model (and its score), in the data's
/// units, as CSV.
int energy_command(const EnergyRequest& request);

struct EvalRequest {
  std::string samples;
  std::string dataset;
  std::map<std::string, double> parameters;
  std::string data;
  int64_t n = 0;  // reference points; 0: as many as samples
  uint64_t seed = 1;
  double mode_radius = 0;  // 0: the default
};
int eval_command(const EvalRequest& request);

struct PlotRequest {
  std::string model;
  std::string out;
  std::string samples;  // default: DIR/samples.csv when present
  std::string data;     // default: the data the model was trained on
  std::array<int, 2> image_shape = {0, 0};  // wide data: rows drawn as H × W images; {0, 0}: a scatter matrix
  PlotOptions options;
  bool true_energy = false;  // draw the dataset's own energy −log p instead of the model's (mixtures)
  bool force = false;
};
int plot_command(const PlotRequest& request);

struct DataRequest {
  std::string dataset;
  std::map<std::string, double> parameters;
  int64_t n = 1000;
  std::string out;
  uint64_t seed = 0;
  bool force = false;
};
int data_command(const DataRequest& request);
int datasets_command();

struct ExplainRequest {
  std::string loss;                   // sm, ssm, dsm, nce, cd, pcd
  std::string route = "fastest";      // sm: how ΔE is computed (fastest, backward, forward)
  std::string dataset = "eight_gaussians";
  int64_t points = 4;
  int64_t hidden = 8;                 // the MLP is 2-hidden-hidden-1
  uint64_t seed = 0;
  std::string dot;                    // write the recorded tape as DOT
  std::string svg;                    // and as SVG, rendered by Graphviz's dot
  bool force = false;
};
/// Runs one step of a loss on a tiny problem and prints the equation, the ops the tape records
/// grouped by term, the terms' values and the final backward pass (docs/autodiff.md, "Tracing").
int explain_command(const ExplainRequest& request);
/// Prints the build's version, the devices it supports and the GPU it finds.
int info_command();

/// Throws CliError(kOutputExists) when `path` exists and force is off.
void refuse_to_overwrite(const std::string& path, bool force);
/// n samples of a model in the data's units (models::draw_samples); throws CliError(kDiverged)
/// with `context` when the chains diverge.
Tensor sample_model(const TrainConfig& config, const SamplerConfig& sampler, const std::shared_ptr<energies::EnergyFunction>& energy, int64_t n,
                    Generator& generator, Device device, const std::string& context);
/// The energy −log p of the dataset a model was trained on, for the mixture datasets (an equal
/// mixture of N(centre, std²I), float32); throws CliError(kUsageError) for any other data.
std::shared_ptr<energies::EnergyFunction> dataset_energy(const TrainConfig& config);

}  // namespace ebm::tools
