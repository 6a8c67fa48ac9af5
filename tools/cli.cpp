#include "tools/cli.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "losses/contrastive_divergence.hpp"
#include "tools/cli_checks.hpp"
#include "tools/cli_error.hpp"

namespace ebm::tools {
namespace {

/// --param name=value pairs into a map; throws CliError(kUsageError) for a malformed one.
std::map<std::string, double> parse_parameters(const std::vector<std::string>& pairs) {
  std::map<std::string, double> parameters;
  for (const std::string& pair : pairs) {
    const auto equals = pair.find('=');
    double value = 0;
    std::size_t used = 0;
    bool ok = equals != std::string::npos && equals > 0;
    if (ok) {
      try {
        value = std::stod(pair.substr(equals + 1), &used);
        ok = used == pair.size() - equals - 1;
      } catch (const std::exception&) {
        ok = false;
      }
    }
    if (!ok) throw CliError(kUsageError, "--param expects name=number, got '" + pair + "'");
    parameters[pair.substr(0, equals)] = value;
  }
  return parameters;
}

void add_sampler_options(CLI::App& command, SamplerConfig& sampler, const std::string& prefix, const std::string& what) {
  command.add_option("--" + prefix + "sampler", sampler.name, what + " sampler: langevin, mala, hmc or annealed")->capture_default_str();
  command.add_option("--" + prefix + "step-size", sampler.step_size, what + " step size (annealed: ε of the last level)")
      ->capture_default_str()
      ->check(real_number(0, false));
  command.add_option("--" + prefix + "noise-scale", sampler.noise_scale, what + " Langevin noise scale τ (targets exp(−E/τ²))")
      ->capture_default_str()
      ->check(real_number(0, true));
  command.add_option("--" + prefix + "leapfrog", sampler.leapfrog, what + " HMC leapfrog steps")->capture_default_str()->check(whole_number(1));
  command.add_option("--" + prefix + "sigmas", sampler.sigmas, what + " annealed noise levels, decreasing (default: the model's levels)");
  command.add_option("--" + prefix + "adapt-steps", sampler.adapt_steps, what + " MALA steps that tune the step size toward --" + prefix + "target-acceptance")
      ->check(whole_number(0));
  command.add_option("--" + prefix + "target-acceptance", sampler.target_acceptance, what + " MALA mean acceptance the tuning aims at")
      ->capture_default_str()
      ->check(real_number(0.01, true, 0.99));
  command.add_option("--" + prefix + "denoise", sampler.denoise,
                     what + " annealed: a last step x + σ_L²·s(x; σ_L) that removes the last level's noise (Tweedie; default: on for a "
                            "noise-conditional model)")
      ->check(true_or_false());
}

/// --clip, for the samples a command writes (not for cd's negatives, which stay in the model's units).
void add_clip_option(CLI::App& command, SamplerConfig& sampler) {
  command.add_option("--clip", sampler.clip, "clip samples to the training data's range per column (default: on for wide data)")
      ->check(true_or_false());
}

/// The tool in one line: the first line of --help and of the synopsis.
constexpr const char* kDescription = "ebm: train, sample, evaluate and plot toy energy-based models (p(x) ∝ exp(−E(x)))";

/// What `ebm` alone prints after the description: the commands, one line each, and where the
/// options are listed.
constexpr const char* kCommands =
    "  ebm train   (--dataset NAME | --data FILE.csv) --loss NAME --out DIR   train; writes model.ebm, samples, a picture\n"
    "  ebm sample  --model DIR --n N --out FILE.csv                             draw samples from a trained model\n"
    "  ebm energy  --model DIR --data FILE.csv [--score]                        each row's energy (and score)\n"
    "  ebm eval    --samples FILE.csv (--dataset NAME | --data FILE.csv)        how close samples are to data (JSON)\n"
    "  ebm plot    --model DIR --out FILE.png                                   the energy, its samples, its score field\n"
    "  ebm explain LOSS                                                         one step of a loss, op by op\n"
    "  ebm data    --dataset NAME --n N --out FILE.csv                          points of a built-in dataset\n"
    "  ebm datasets | ebm info | ebm --version\n"
    "\n"
    "ebm --help lists the commands; ebm COMMAND --help lists a command's options.\n";

}  // namespace

CommandLine parse_command_line(int argc, const char* const* argv) {
  CLI::App app{kDescription};
  CommandLine line;
  if (argc <= 1) {  // no command: what the commands are, and where to read more
    line.help = std::string(kDescription) + "\n\n" + kCommands;
    return line;
  }
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("ebm ") + EBM_VERSION);
  app.add_option("--threads", line.threads, "CPU threads for matrix products (default 1; before or after the command)")->check(whole_number(1, 256));
  app.fallthrough();  // so that a command's line may hold --threads too

  TrainRequest& train = line.train;
  std::vector<std::string> train_parameters;
  std::string train_device = "cpu";
  bool train_plain = false;
  auto* train_command_line =
      app.add_subcommand("train", "train an MLP energy on a dataset; writes model.ebm, log.csv, samples.csv and energy.png (samples.png for wide data)");
  {
    auto& c = train.config;
    auto& t = *train_command_line;
    t.add_option("--dataset", c.dataset, "built-in dataset (see `ebm datasets`)");
    t.add_option("--data", c.data_file, "train on the points of a CSV file instead");
    t.add_option("--param", train_parameters, "dataset parameter as name=value, repeatable (e.g. --param std=0.05)");
    t.add_option("--loss", c.loss, "dsm, ssm, sm, cd, pcd or nce")->capture_default_str();
    t.add_option("--out", train.out, "output directory (refused if it exists and is not empty, unless --force)");
    t.add_option("--resume", train.resume, "continue the run in this directory (to --steps in total)");
    t.add_flag("--force", train.force, "write into an existing non-empty output directory");
    t.add_flag("--quiet", train.quiet, "print nothing but errors");
    t.add_flag("--detect-anomaly", train.detect_anomaly,
               "stop at the first op that makes a NaN or ±∞, naming it, its shapes and its loss (slower)");
    t.add_option("--device", train_device, "cpu or cuda (the model file is the same either way)")->capture_default_str();
    auto* steps = t.add_option("--steps", c.steps, "optimisation steps (default: by loss, see the recipe)")->check(whole_number(1));
    t.add_option("--batch-size", c.batch_size, "points per step")->capture_default_str()->check(whole_number(1));
    t.add_option("--lr", c.lr, "Adam learning rate")->capture_default_str()->check(real_number(0, false));
    t.add_option("--lr-schedule", c.lr_schedule, "constant, or cosine: decayed from --lr to 0 over the run")->capture_default_str();
    t.add_option("--hidden", c.hidden, "width of each hidden layer")->capture_default_str()->check(whole_number(1, 65536));
    t.add_option("--depth", c.depth, "number of hidden layers")->capture_default_str()->check(whole_number(1, 64));
    t.add_option("--activation", c.activation, "relu, tanh, sigmoid, softplus or silu")->capture_default_str();
    t.add_option("--fourier-features", c.fourier_features,
                 "random Fourier features: the network sees γ(x) = [x, cos 2πxBᵀ, sin 2πxBᵀ] instead of x (0: none; default: from the data)")
        ->check(whole_number(0, 4096));
    t.add_option("--fourier-scale", c.fourier_scale, "the std of the Fourier frequencies B, in cycles per unit of x (default: from the data)")
        ->check(real_number(0, false));
    t.add_option("--fourier-averaged", c.fourier_averaged,
                 "dsm, ssm, sm: the network at level σ sees each Fourier feature averaged over that level's noise")
        ->check(true_or_false())
        ->default_str("true");
    t.add_option("--precondition", c.preconditioned,
                 "dsm, ssm, sm on standardised (wide) data: E = MLP([x/√(1+σ²), log σ])/σ + ‖x‖²/(2(1+σ²)) (default: on for wide data)")
        ->check(true_or_false());
    t.add_option("--seed", c.seed, "seed of the initialisation, the data and the losses' noise")->capture_default_str();
    t.add_option("--log-every", c.log_every, "steps between rows of log.csv")->capture_default_str()->check(whole_number(1));
    t.add_option("--checkpoint-every", c.checkpoint_every, "steps between checkpoints")->capture_default_str()->check(whole_number(1));
    t.add_option("--sigma", c.sigmas, "dsm, ssm, sm: noise levels σ, decreasing (default: --noise-levels levels from the data)")
        ->check(real_number(0, false));
    t.add_option("--noise-levels", c.noise_levels, "dsm, ssm, sm: how many levels to derive from the data")->capture_default_str()->check(whole_number(2, 1000));
    t.add_flag("--plain", train_plain,
               "dsm, ssm, sm: a plain energy MLP(x) (ssm, sm: the objective on the data itself; dsm: at --sigma, default 0.1)");
    t.add_option("--projections", c.projections, "ssm: projections per point")->capture_default_str()->check(whole_number(1));
    t.add_option("--projection", c.projection, "ssm: gaussian, rademacher or sphere")->capture_default_str();
    t.add_flag("--variance-reduced", c.variance_reduced, "ssm: use ½‖∇E‖² instead of ½(vᵀ∇E)²");
    t.add_option("--sm-method", c.sm_method, "sm: exact or hutchinson")->capture_default_str();
    t.add_option("--probes", c.probes, "sm hutchinson: probes per point")->capture_default_str()->check(whole_number(1));
    t.add_option("--cd-steps", c.cd_steps, "cd/pcd: sampler steps per negative")->capture_default_str()->check(whole_number(1));
    add_sampler_options(t, c.cd_sampler, "cd-", "cd/pcd:");
    t.add_option("--energy-reg", c.energy_regularization, "cd/pcd: λ of λ(E⁺² + E⁻²) (default: cd 0.1, pcd 0.05, see the recipe)")
        ->check(real_number(0, true));
    t.add_option("--buffer-size", c.buffer_size, "pcd: replay buffer capacity")->capture_default_str()->check(whole_number(1));
    // A chain restarts in the box or at the data, never both: the two fractions add up to at most 1.
    t.add_option("--data-restarts", c.data_restart_fraction, "pcd: fraction of chains restarted at data points per draw (default: 0.2, see the recipe)")
        ->check(real_number(0, true, 1 - losses::CDOptions{}.reinit_fraction));
    t.add_option("--noise-ratio", c.noise_ratio, "nce: noise samples per data point")->capture_default_str()->check(real_number(0, false));
    t.add_option("--noise-widen", c.noise_widen, "nce: the noise Gaussian's stds are the data's × this")->capture_default_str()->check(real_number(0, false));
    t.add_option("--samples", c.n_samples, "samples drawn at the end")->capture_default_str()->check(whole_number(1));
    add_sampler_options(t, c.sampler, "", "end samples:");
    t.add_option("--sampler-steps", c.sampler.steps, "end samples: sampler steps")->capture_default_str()->check(whole_number(0));
    t.add_option("--start", c.sampler.start, "end samples: chains start uniform in the box, or resampled from uniform draws by exp(−E)");
    add_clip_option(t, c.sampler);
    t.callback([&train, &train_parameters, &train_device, &train_plain, steps, &t] {
      train.config.noise_conditional = !train_plain;
      train.steps_given = steps->count() > 0;
      for (const CLI::Option* option : t.get_options()) {
        if (option->count() > 0) train.given.push_back(option->get_name());
      }
      if (!train.resume.empty()) {
        for (const CLI::Option* option : t.get_options()) {
          const std::string name = option->get_name();
          if (option->count() > 0 && name != "--resume" && name != "--steps" && name != "--quiet" && name != "--out" &&
              name != "--device" && name != "--detect-anomaly") {
            throw CliError(kUsageError, "--resume continues with the run's own configuration; only --steps, --quiet, "
                                        "--device and --detect-anomaly may be given with it, not " + name);
          }
        }
      }
      train.config.dataset_parameters = parse_parameters(train_parameters);
      train.device = parse_device(train_device);
      if (train.resume.empty() && train.out.empty()) throw CliError(kUsageError, "train needs --out DIR (or --resume DIR)");
      if (!train.resume.empty() && !train.out.empty()) throw CliError(kUsageError, "--resume continues in its own directory; drop --out");
    });
  }

  SampleRequest& sample = line.sample;
  std::string sample_device = "cpu";
  auto* sample_command_line = app.add_subcommand("sample", "draw samples from a trained model into a CSV file");
  sample_command_line->add_option("--device", sample_device, "cpu or cuda")->capture_default_str();
  sample_command_line->add_option("--model", sample.model, "run directory written by train")->required();
  sample_command_line->add_option("--n", sample.n, "number of samples")->capture_default_str()->check(whole_number(1));
  sample_command_line->add_option("--out", sample.out, "output CSV file")->required();
  sample_command_line->add_option("--seed", sample.seed, "seed of the chains")->capture_default_str();
  sample_command_line->add_flag("--force", sample.force, "replace an existing output file");
  add_sampler_options(*sample_command_line, sample.sampler, "", "");
  sample_command_line->add_option("--steps", sample.sampler.steps, "sampler steps")->capture_default_str()->check(whole_number(0));
  sample_command_line->add_option("--start", sample.sampler.start, "chains start uniform in the box, or resampled from uniform draws by exp(−E)");
  add_clip_option(*sample_command_line, sample.sampler);
  sample_command_line->callback([&sample, &sample_device, sample_command_line] {
    sample.device = parse_device(sample_device);
    for (const char* name : {"--sampler", "--step-size", "--noise-scale", "--leapfrog", "--sigmas", "--steps", "--adapt-steps", "--target-acceptance", "--start",
                             "--denoise", "--clip"}) {
      if (sample_command_line->count(name) > 0) sample.given.emplace_back(name);
    }
  });

  EnergyRequest& energy = line.energy;
  std::string energy_device = "cpu";
  auto* energy_command_line = app.add_subcommand("energy", "each row's energy under a trained model (and its score), in the data's units, as CSV");
  energy_command_line->add_option("--model", energy.model, "run directory written by train")->required();
  energy_command_line->add_option("--data", energy.data, "CSV file of points to score")->required();
  energy_command_line->add_option("--out", energy.out, "output CSV file (default: standard output)");
  energy_command_line->add_flag("--score", energy.score, "also the score −∇E, columns score_1 … score_D");
  energy_command_line->add_option("--device", energy_device, "cpu or cuda")->capture_default_str();
  energy_command_line->add_flag("--force", energy.force, "replace an existing output file");
  energy_command_line->callback([&energy, &energy_device] { energy.device = parse_device(energy_device); });

  EvalRequest& eval = line.eval;
  std::vector<std::string> eval_parameters;
  auto* eval_command_line = app.add_subcommand("eval", "sample-quality metrics against fresh data, as JSON on stdout");
  eval_command_line->add_option("--samples", eval.samples, "CSV file of samples")->required();
  eval_command_line->add_option("--dataset", eval.dataset, "compare with fresh draws of this dataset");
  eval_command_line->add_option("--param", eval_parameters, "dataset parameter as name=value, repeatable");
  eval_command_line->add_option("--data", eval.data, "or compare with the points of a CSV file");
  eval_command_line->add_option("--n", eval.n, "reference points to draw (default: as many as samples)")->check(whole_number(0));
  eval_command_line->add_option("--seed", eval.seed, "seed of the reference draws")->capture_default_str();
  eval_command_line->add_option("--mode-radius", eval.mode_radius, "distance within which a sample is near a mode")->check(real_number(0, true));
  eval_command_line->callback([&eval, &eval_parameters] { eval.parameters = parse_parameters(eval_parameters); });

  PlotRequest& plot = line.plot;
  std::string image_shape;
  auto* plot_command_line = app.add_subcommand(
      "plot", "draw a model's energy as a PNG heat map with data and samples; wide data as images or a scatter matrix");
  plot_command_line->add_option("--model", plot.model, "run directory written by train")->required();
  plot_command_line->add_option("--out", plot.out, "output PNG file")->required();
  plot_command_line->add_option("--samples", plot.samples, "samples CSV to overlay (default: the run's samples.csv)");
  plot_command_line->add_option("--data", plot.data, "data CSV to draw (default: the data the model was trained on)");
  plot_command_line->add_option("--image-shape", image_shape, "H,W: draw each row of data and samples as an H × W grey image");
  plot_command_line->add_flag("--density", plot.options.density, "plot the density exp(−E) instead of E");
  plot_command_line->add_flag("--score", plot.options.score, "overlay the score field −∇E as arrows");
  plot_command_line->add_option("--title", plot.options.title, "what the picture shows (such as the loss and its σ), written above it");
  plot_command_line->add_flag("--true-energy", plot.true_energy,
                              "draw the training dataset's own energy −log p instead of the model's (mixture datasets)");
  plot_command_line->add_option("--width", plot.options.width, "image width in pixels")->capture_default_str()->check(whole_number(200, 8000));
  plot_command_line->add_option("--height", plot.options.height, "image height in pixels")->capture_default_str()->check(whole_number(160, 8000));
  plot_command_line->add_flag("--force", plot.force, "replace an existing output file");
  plot_command_line->callback([&plot, &image_shape] {
    if (image_shape.empty()) return;
    int height = 0, width = 0;
    char comma = 0, rest = 0;
    std::istringstream text(image_shape);
    if (!(text >> height >> comma >> width) || comma != ',' || text >> rest || height < 1 || width < 1 || height > 1024 || width > 1024) {
      throw CliError(kUsageError, "--image-shape expects H,W: two whole numbers from 1 to 1024, got '" + image_shape + "'");
    }
    plot.image_shape = {height, width};
  });

  DataRequest& data = line.data;
  std::vector<std::string> data_parameters;
  auto* data_command_line = app.add_subcommand("data", "write samples of a dataset as CSV");
  data_command_line->add_option("--dataset", data.dataset, "dataset name (see `ebm datasets`)")->required();
  data_command_line->add_option("--param", data_parameters, "dataset parameter as name=value, repeatable");
  data_command_line->add_option("--n", data.n, "number of points")->capture_default_str()->check(whole_number(1));
  data_command_line->add_option("--out", data.out, "output CSV file")->required();
  data_command_line->add_option("--seed", data.seed, "seed")->capture_default_str();
  data_command_line->add_flag("--force", data.force, "replace an existing output file");
  data_command_line->callback([&data, &data_parameters] { data.parameters = parse_parameters(data_parameters); });

  ExplainRequest& explain = line.explain;
  auto* explain_command_line = app.add_subcommand("explain", "run one step of a loss on a tiny problem and show what the tape records");
  explain_command_line->add_option("loss", explain.loss, "sm, ssm, dsm, nce, cd or pcd")->required();
  explain_command_line->add_option("--route", explain.route, "sm: how ΔE is computed: fastest, backward (D backward passes) or forward (forward Laplacian)")
      ->capture_default_str();
  explain_command_line->add_option("--dataset", explain.dataset, "where the points come from (see `ebm datasets`)")->capture_default_str();
  explain_command_line->add_option("--points", explain.points, "number of points")->capture_default_str()->check(whole_number(1, 64));
  explain_command_line->add_option("--hidden", explain.hidden, "width of the MLP's two hidden layers")->capture_default_str()->check(whole_number(1, 64));
  explain_command_line->add_option("--seed", explain.seed, "seed of the points, the network and the loss's noise")->capture_default_str();
  explain_command_line->add_option("--dot", explain.dot, "write the recorded tape as a Graphviz DOT file");
  explain_command_line->add_option("--svg", explain.svg, "write it as SVG (needs Graphviz's dot)");
  explain_command_line->add_flag("--force", explain.force, "replace existing --dot and --svg files");

  auto* datasets_command_line = app.add_subcommand("datasets", "list the datasets and their parameters");
  auto* info_command_line = app.add_subcommand("info", "the version, the devices this build supports and the GPU it finds");

  const std::vector<std::string> commands = {"train", "sample", "energy", "eval", "plot", "data", "datasets", "info", "explain"};
  if (argc > 1 && argv[1][0] != '-' && std::find(commands.begin(), commands.end(), argv[1]) == commands.end()) {
    throw CliError(kUsageError, std::string("unknown command '") + argv[1] + "'; known: train, sample, energy, eval, plot, data, datasets, info, explain");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() != 0) throw;
    std::ostringstream help;  // --help or --version
    app.exit(error, help);
    line.help = help.str();
    return line;
  }
  const std::pair<CLI::App*, Command> commands_parsed[] = {
      {train_command_line, Command::Train}, {sample_command_line, Command::Sample}, {energy_command_line, Command::Energy}, {eval_command_line, Command::Eval},
      {plot_command_line, Command::Plot}, {data_command_line, Command::Data}, {datasets_command_line, Command::Datasets},
      {info_command_line, Command::Info}, {explain_command_line, Command::Explain}};
  for (const auto& [command_line, command] : commands_parsed) {
    if (app.got_subcommand(command_line)) {
      line.command = command;
      return line;
    }
  }
  throw std::logic_error("the command line parsed without a command");
}

}  // namespace ebm::tools
