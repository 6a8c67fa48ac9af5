// ebm_figures: the charts of docs/figures.md that need the library rather than the tool,
// measured and set against their closed forms. Run by scripts/figures.sh:
//   ebm_figures OUT_DIRECTORY
// hutchinson_variance.png: the variance of Hutchinson's estimate of tr H against the number of
//   probes M, for each probe type, with 2‖H‖²_F/M (Gaussian), 2Σ_{i≠j}H_ij²/M (Rademacher) and
//   2D/(D+2)·(‖H‖²_F − (tr H)²/D)/M (sphere of radius √D).
// ula_bias.png: ULA's stationary variance on N(0, diag(1, 1/4)) against its step η, with the closed
//   form 1/(λ(1 − ηλ/2)) per precision λ, relative to the target's 1/λ.
#include <array>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "energies/analytic.hpp"
#include "energies/energy_function.hpp"
#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"
#include "losses/projections.hpp"
#include "samplers/langevin.hpp"
#include "tools/plot.hpp"

namespace {

using namespace ebm;

/// E = ½xᵀHx for a fixed symmetric H: its Hessian is H everywhere.
class Quadratic : public energies::EnergyFunction {
 public:
  explicit Quadratic(Tensor hessian) : hessian_(std::move(hessian)) {}
  Tensor energy(const Tensor& x) const override { return 0.5 * sum(matmul(x, hessian_) * x, 1); }

 private:
  Tensor hessian_;
};

void hutchinson_variance(const std::string& path) {
  const int64_t d = 3, repetitions = 4000;
  const std::vector<double> h = {2, 0.8, 0.3, 0.8, 1, 0.5, 0.3, 0.5, 1.5};
  const Quadratic energy(tensor(h, {d, d}, DType::Float64));
  double frobenius = 0, off_diagonal = 0, trace = 0;
  for (int64_t i = 0; i < d; ++i) {
    for (int64_t j = 0; j < d; ++j) {
      const double entry = h[static_cast<std::size_t>(i * d + j)];
      frobenius += entry * entry;
      if (i != j) off_diagonal += entry * entry;
    }
    trace += h[static_cast<std::size_t>(i * d + i)];
  }
  const double dimension = static_cast<double>(d);
  struct Probe {
    losses::Projection projection;
    const char* name;
    std::array<unsigned char, 3> colour;
    double variance_per_probe;
  };
  const Probe probes[] = {
      {losses::Projection::Gaussian, "Gaussian", {200, 40, 40}, 2 * frobenius},
      {losses::Projection::Sphere, "sphere", {40, 150, 40}, 2 * dimension / (dimension + 2) * (frobenius - trace * trace / dimension)},
      {losses::Projection::Rademacher, "Rademacher", {40, 70, 200}, 2 * off_diagonal},
  };
  std::vector<tools::ChartSeries> series;
  Generator generator(0);
  const Tensor points = zeros({repetitions, d}, DType::Float64);
  for (const Probe& probe : probes) {
    tools::ChartSeries measured{std::string(probe.name) + ", measured", probe.colour, {}, {}, true};
    tools::ChartSeries closed_form{std::string(probe.name) + ", closed form", probe.colour, {}, {}, false};
    for (int64_t m = 1; m <= 64; m *= 2) {
      NoGradGuard no_grad;
      const Tensor directions = losses::draw_projections(points, m, probe.projection, generator);
      // Σₘ vₘᵀHvₘ per repetition, then the estimate of tr H and its variance over the repetitions.
      const std::vector<double> estimates = (energy.directional_derivatives(points, directions).second / static_cast<double>(m)).to_vector();
      double mean = 0, square = 0;
      for (double e : estimates) mean += e / static_cast<double>(repetitions);
      for (double e : estimates) square += (e - mean) * (e - mean) / static_cast<double>(repetitions - 1);
      measured.x.push_back(static_cast<double>(m));
      measured.y.push_back(square);
      closed_form.x.push_back(static_cast<double>(m));
      closed_form.y.push_back(probe.variance_per_probe / static_cast<double>(m));
      std::printf("hutchinson,%s,%lld,%.6g,%.6g\n", probe.name, static_cast<long long>(m), square, probe.variance_per_probe / static_cast<double>(m));
    }
    series.push_back(measured);
    series.push_back(closed_form);
  }
  tools::plot_chart(path, series,
                    {.title = "Hutchinson's estimate of tr H: variance against probes", .x_label = "probes per point M",
                     .y_label = "variance", .log_x = true, .log_y = true, .width = 720, .height = 520});
}

void ula_bias(const std::string& path) {
  const int64_t chains = 200000, steps = 600;
  const double precisions[] = {1, 4};
  auto target = std::make_shared<energies::Gaussian>(zeros({2}, DType::Float64), tensor({1, 0, 0, 0.25}, {2, 2}, DType::Float64));
  const std::array<unsigned char, 3> colours[] = {{200, 40, 40}, {40, 70, 200}};
  std::vector<tools::ChartSeries> series;
  for (int k = 0; k < 2; ++k) {
    const std::string name = k == 0 ? "lambda = 1" : "lambda = 4";
    series.push_back({name + ", measured", colours[k], {}, {}, true});
    series.push_back({name + ", closed form", colours[k], {}, {}, false});
  }
  Generator generator(1);
  for (double eta : {0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4}) {
    // Chains started from the target itself, run until ULA's own stationary law.
    const Tensor start = randn({chains, 2}, generator, DType::Float64) * tensor({1, 0.5}, {2}, DType::Float64);
    samplers::LangevinDynamics langevin(target, {.step_size = eta});
    const std::vector<double> end = langevin.sample(start, steps, generator).to_vector();
    for (int k = 0; k < 2; ++k) {
      double variance = 0;
      for (int64_t i = 0; i < chains; ++i) variance += end[static_cast<std::size_t>(2 * i + k)] * end[static_cast<std::size_t>(2 * i + k)];
      variance /= static_cast<double>(chains);
      const double lambda = precisions[k];
      // Relative excess of the stationary variance over the target's 1/λ.
      const double measured = variance * lambda - 1, closed_form = 1 / (1 - eta * lambda / 2) - 1;
      series[static_cast<std::size_t>(2 * k)].x.push_back(eta);
      series[static_cast<std::size_t>(2 * k)].y.push_back(measured);
      series[static_cast<std::size_t>(2 * k + 1)].x.push_back(eta);
      series[static_cast<std::size_t>(2 * k + 1)].y.push_back(closed_form);
      std::printf("ula,%g,%g,%.6g,%.6g\n", lambda, eta, measured, closed_form);
    }
  }
  tools::plot_chart(path, series,
                    {.title = "ULA's bias: stationary variance / target variance - 1", .x_label = "step size eta",
                     .y_label = "relative excess variance", .log_x = false, .log_y = false, .width = 720, .height = 520,
                     .legend_left = true});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: ebm_figures OUT_DIRECTORY\n");
    return 2;
  }
  const std::string directory = argv[1];
  std::printf("figure,series,x,measured,closed_form\n");
  hutchinson_variance(directory + "/hutchinson_variance.png");
  ula_bias(directory + "/ula_bias.png");
  return 0;
}
