// ebm explain: one step of an objective on a tiny problem, with everything the tape records.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "engine/autograd/grad.hpp"
#include "engine/autograd/trace.hpp"
#include "engine/ops.hpp"
#include "io/atomic_file.hpp"
#include "losses/score_matching.hpp"
#include "tools/cli_error.hpp"
#include "tools/commands.hpp"
#include "models/factory.hpp"
#include "tools/datasets.hpp"

namespace ebm::tools {
namespace {

struct Objective {
  const char* title;
  const char* equation;
};

/// What `ebm explain` prints first for each loss: the objective and where it comes from.
Objective objective_of(const std::string& loss) {
  if (loss == "sm") {
    return {"exact score matching (Hyvärinen 2005)",
            "J(θ) = mean over x of [ ½‖∇ₓE(x)‖² − ΔE(x) ],  ΔE = Σ_d ∂²E/∂x_d²\n"
            "   Integration by parts turns ½ E‖s_θ − ∇log p_data‖², s_θ = −∇ₓE, into J plus a constant."};
  }
  if (loss == "ssm") {
    return {"sliced score matching (Song et al. 2019)",
            "J(θ) = mean over x and v of [ ½(vᵀ∇ₓE(x))² − vᵀ∇ₓ²E(x) v ],  v ~ N(0, I), 4 per point\n"
            "   E[vvᵀ] = I, so in expectation it is exact score matching with ‖∇E‖² seen along v."};
  }
  if (loss == "dsm") {
    return {"denoising score matching (Vincent 2011)",
            "J(θ) = mean over x and ε of ½‖∇ₓE(x̃) − ε/σ‖²,  x̃ = x + σε, ε ~ N(0, I), σ = 0.1\n"
            "   −ε/σ is the score of the noise kernel at x̃: the model's score −∇E is fitted to it."};
  }
  if (loss == "nce") {
    return {"noise contrastive estimation (Gutmann & Hyvärinen 2010)",
            "h(u) = −E(u) − log Z − log p_n(u) − log ν,  the log-odds that u is data rather than noise\n"
            "J(θ, log Z) = mean over data of softplus(−h) + ν · mean over noise of softplus(h),  ν = 1,\n"
            "   p_n a Gaussian fitted to the data with its stds × 1.5; log Z is learned with θ."};
  }
  if (loss == "cd" || loss == "pcd") {
    return {loss == "cd" ? "contrastive divergence (Hinton 2002), short-run chains started at the data"
                         : "persistent contrastive divergence (Tieleman 2008; Du & Mordatch 2019), chains kept in a replay buffer",
            "J(θ) = mean E(x⁺) − mean E(x⁻) + λ(mean E(x⁺)² + mean E(x⁻)²),  λ = 0.1\n"
            "   x⁺ the data, x⁻ after 10 Langevin steps with nothing recorded: ∂J/∂θ estimates the\n"
            "   gradient of the negative log-likelihood, E_data[∂E/∂θ] − E_model[∂E/∂θ]."};
  }
  throw CliError(kUsageError, "explain: unknown loss '" + loss + "'; known: sm, ssm, dsm, nce, cd, pcd");
}

/// The description of a loss metric in the terms of the equation; the key itself for others.
std::string term_name(const std::string& loss, const std::string& metric) {
  if (metric == "score_norm") return loss == "ssm" ? "½(vᵀ∇E)², mean over points and v" : "½‖∇E‖², mean over points";
  static const std::map<std::string, std::string> names = {
      {"loss", "J"},
      {"hessian_trace", "ΔE, mean over points"},
      {"hessian_projection", "vᵀ(∇²E)v, mean over points and v"},
      {"pos_loss", "mean softplus(−h(data))"},
      {"neg_loss", "ν · mean softplus(h(noise))"},
      {"log_z", "log Z"},
      {"pos_energy", "mean E(x⁺), the data"},
      {"neg_energy", "mean E(x⁻), the negatives"},
      {"energy_gap", "mean E(x⁻) − mean E(x⁺)"},
      {"energy_reg", "mean E(x⁺)² + mean E(x⁻)²"},
      {"accuracy", "fraction of points classified right by h > 0"},
      {"acceptance_rate", "the sampler's mean acceptance"},
  };
  if (const auto found = names.find(metric); found != names.end()) return found->second;
  if (metric.rfind("loss_sigma_", 0) == 0) return "mean ½‖∇E(x̃) − ε/σ‖² at σ = " + metric.substr(11);
  return metric;
}

losses::LaplacianRoute parse_route(const std::string& route) {
  if (route == "fastest") return losses::LaplacianRoute::Fastest;
  if (route == "backward") return losses::LaplacianRoute::Backward;
  if (route == "forward") return losses::LaplacianRoute::Forward;
  throw CliError(kUsageError, "--route must be fastest, backward or forward, got '" + route + "'");
}

std::string route_description(losses::LaplacianRoute route, int64_t dimension) {
  std::ostringstream text;
  if (route == losses::LaplacianRoute::Backward) {
    text << "backward: ∇ₓE by one backward pass with create_graph,\n   then ΔE by one backward pass over ∇E's graph per "
            "dimension (D = " << dimension << ")";
  } else {
    text << "forward: ∇ₓE and ΔE carried forward through the network with the values\n   (the forward Laplacian), "
            "no backward pass";
  }
  return text.str();
}

/// text followed by spaces up to `width` characters (UTF-8 code points, not bytes).
std::string padded(const std::string& text, std::size_t width) {
  std::size_t characters = 0;
  for (unsigned char c : text) characters += (c & 0xC0) != 0x80;
  return text + std::string(width > characters ? width - characters : 1, ' ');
}

/// One step's pieces: the loss's output, the tape it recorded, the rules backward(J) applied
/// and the parameters' gradients.
struct Step {
  losses::LossOutput output;
  Trace recorded;
  Trace final_backward;
  std::vector<Tensor> gradients;
  std::size_t network_parameters = 0;  // the first ones of gradients; NCE's log Z follows
};

Step run_step(const ExplainRequest& request, losses::LaplacianRoute route, const Tensor& data) {
  Generator generator(request.seed);
  TrainConfig config;
  config.loss = request.loss;
  config.noise_conditional = false;
  config.sigmas = {0.1};
  auto energy = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, request.hidden, request.hidden, 1},
                                                      nn::Activation::SiLU, generator, DType::Float64);
  std::unique_ptr<losses::Loss> loss =
      request.loss == "sm" ? std::make_unique<losses::ScoreMatchingLoss>(energy, losses::SMOptions{.generator = &generator, .route = route})
                           : models::make_training_loss(config, energy, data, generator);
  Step step;
  {
    TraceScope scope;
    step.output = (*loss)(data);
    step.recorded = scope.trace();
  }
  {
    TraceScope scope;
    backward(step.output.loss);
    step.final_backward = scope.trace();
  }
  for (const Tensor& parameter : loss->parameters()) step.gradients.push_back(parameter.grad());
  step.network_parameters = energy->parameters().size();
  return step;
}

/// Largest |aᵢ − bᵢ|; 0 when neither is defined (no gradient reached the parameter).
double max_abs_difference(const Tensor& a, const Tensor& b) {
  if (!a.defined() && !b.defined()) return 0;
  if (!a.defined() || !b.defined()) return INFINITY;
  const std::vector<double> x = a.to_vector(), y = b.to_vector();
  double largest = 0;
  for (std::size_t i = 0; i < x.size(); ++i) largest = std::max(largest, std::abs(x[i] - y[i]));
  return largest;
}

/// The parameters' names: W1, b1, W2, b2, … for the network, then NCE's log Z.
std::string parameter_name(std::size_t index, std::size_t network_parameters) {
  if (index >= network_parameters) return "log Z";
  std::string name(index % 2 == 0 ? "W" : "b");
  name += std::to_string(index / 2 + 1);
  return name;
}

void print_final_backward(const Step& step) {
  std::cout << "\n5. The backward pass to the parameters: backward(J) applies " << step.final_backward.rules.size()
            << " derivative rules,\n   last recorded first, with nothing recorded:\n   ";
  std::size_t column = 3;
  for (std::size_t i = 0; i < step.final_backward.rules.size(); ++i) {
    const AppliedRule& rule = step.final_backward.rules[i];
    std::ostringstream item;
    item << "#" << rule.id << " " << rule.op;
    if (i > 0 && column + item.str().size() + 2 > 100) {
      std::cout << ",\n   ";
      column = 3;
    } else if (i > 0) {
      std::cout << ", ";
      column += 2;
    }
    std::cout << item.str();
    column += item.str().size();
  }
  std::cout << "\n   and leaves ∂J/∂θ in each parameter's grad():\n";
  for (std::size_t i = 0; i < step.gradients.size(); ++i) {
    const Tensor& gradient = step.gradients[i];
    std::cout << "    " << padded(parameter_name(i, step.network_parameters), 6);
    if (!gradient.defined()) {
      std::cout << "none: J does not depend on it (E enters J only through its derivatives in x)\n";
      continue;
    }
    std::cout << padded(shape_string(gradient.shape()), 10) << "‖∂J/∂θ‖ = " << std::sqrt(sum(square(gradient)).item()) << "\n";
  }
}

void write_graph(const ExplainRequest& request, const Trace& trace) {
  if (!request.svg.empty()) {
    if (std::system("command -v dot > /dev/null 2>&1") != 0) {
      throw CliError(kUsageError, "--svg needs Graphviz's dot on the PATH (Debian: apt-get install graphviz); "
                                  "--dot FILE writes the graph as DOT without it");
    }
  }
  const std::string dot = trace.dot();
  if (!request.dot.empty()) io::write_file_atomically(request.dot, dot);
  if (request.svg.empty()) return;
  // dot renders into a temporary next to the target, which then replaces it.
  const std::filesystem::path target(request.svg);
  const std::filesystem::path source = target.string() + ".dot.tmp", rendered = target.string() + ".svg.tmp";
  io::write_file_atomically(source.string(), dot);
  const std::string command = "dot -Tsvg '" + source.string() + "' -o '" + rendered.string() + "'";
  const bool ok = request.svg.find('\'') == std::string::npos && std::system(command.c_str()) == 0;
  std::error_code ignored;
  std::filesystem::remove(source, ignored);
  if (!ok) {
    std::filesystem::remove(rendered, ignored);
    throw CliError(kIoError, "Graphviz's dot could not render '" + request.svg + "' (a path without quotes is needed)");
  }
  std::filesystem::rename(rendered, target);
}

}  // namespace

int explain_command(const ExplainRequest& request) {
  const Objective objective = objective_of(request.loss);
  const losses::LaplacianRoute route = parse_route(request.route);
  if (request.loss != "sm" && request.route != "fastest") {
    throw CliError(kUsageError, "--route chooses how exact score matching computes ΔE; it applies to sm only");
  }
  if (!request.dot.empty()) refuse_to_overwrite(request.dot, request.force);
  if (!request.svg.empty()) refuse_to_overwrite(request.svg, request.force);

  Generator data_generator(request.seed);
  const Tensor data = generate_dataset(request.dataset, request.points, dataset_parameters(request.dataset, {}), data_generator);
  const Step step = run_step(request, route, data);

  std::cout << "ebm explain " << request.loss << ": one step of " << objective.title << "\n"
            << "on " << request.points << " points of " << request.dataset << " (D = 2), an MLP energy 2-" << request.hidden
            << "-" << request.hidden << "-1 (silu), float64, seed " << request.seed << ".\n"
            << "\n1. The equation\n   " << objective.equation << "\n";
  if (request.loss == "sm") std::cout << "   The route to ΔE: " << route_description(route, 2) << ".\n";

  Trace ops = step.recorded;
  ops.rules.clear();
  std::cout << "\n2–3. What the tape records, grouped by the term each op computes: #id op(inputs) → output.\n"
               "   Order 0 is the forward pass; order k ≥ 1 was recorded by a derivative rule while a backward\n"
               "   pass ran with create_graph (the derivatives that J itself contains, to be differentiated again).\n"
               "   Inputs: #id an op's output, leaf a parameter or the input points, const a value no gradient needs.\n"
            << ops.text();

  std::cout << "\n4. The terms and their values\n" << std::setprecision(6);
  for (const auto& [metric, value] : step.output.metrics) {
    if (metric == "loss") continue;
    std::cout << "   " << padded(term_name(request.loss, metric), 48) << value << "\n";
  }
  std::cout << "   " << padded("J", 48) << step.output.metrics.at("loss") << "\n";

  print_final_backward(step);

  if (request.loss == "sm") {
    const losses::LaplacianRoute other = route == losses::LaplacianRoute::Backward ? losses::LaplacianRoute::Forward
                                                                                    : losses::LaplacianRoute::Backward;
    const Step check = run_step(request, other, data);
    double gradient_difference = 0;
    for (std::size_t i = 0; i < step.gradients.size(); ++i) {
      gradient_difference = std::max(gradient_difference, max_abs_difference(step.gradients[i], check.gradients[i]));
    }
    std::cout << "\n6. The other route to ΔE, " << route_description(other, 2) << ",\n   records " << check.recorded.ops.size()
              << " ops (this route: " << step.recorded.ops.size() << ") and gives J = " << check.output.metrics.at("loss")
              << ", mean ΔE = " << check.output.metrics.at("hessian_trace") << ".\n";
    const double loss_difference = std::abs(check.output.metrics.at("loss") - step.output.metrics.at("loss"));
    const bool agree = loss_difference <= 1e-10 && gradient_difference <= 1e-10;
    std::cout << std::setprecision(2) << (agree ? "   The two agree to rounding" : "   The two DIFFER (a bug: please report it)")
              << ": |ΔJ| = " << loss_difference << ", largest |Δ ∂J/∂θ| = " << gradient_difference << ".\n";
  }
  write_graph(request, step.recorded);
  return kSuccess;
}

}  // namespace ebm::tools
