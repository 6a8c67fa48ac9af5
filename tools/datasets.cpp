#include "tools/datasets.hpp"

#include <cmath>
#include <numbers>

#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"
#include "tools/cli_error.hpp"

namespace ebm::tools {
namespace {

constexpr double pi = std::numbers::pi;

/// Host-side draws from the generator's stream: uniform in [0, 1) and standard normal.
struct Draws {
  explicit Draws(Generator& generator, int64_t n) : uniform(rand({n}, generator, DType::Float64).to_vector()),
                                                    normal(randn({n}, generator, DType::Float64).to_vector()) {}
  std::vector<double> uniform;
  std::vector<double> normal;
};

Tensor points(const std::vector<double>& xy) {
  return tensor(xy, {static_cast<int64_t>(xy.size() / 2), 2}, DType::Float64);
}

}  // namespace

const std::vector<DatasetInfo>& datasets() {
  static const std::vector<DatasetInfo> all = {
      {"eight_gaussians", "8 Gaussians centred at radius r on the axes and diagonals", {{"radius", 2.0}, {"std", 0.02}}},
      {"gaussian_mixture", "k Gaussians evenly spaced on a circle", {{"k", 8}, {"radius", 1.0}, {"std", 0.05}}},
      {"two_moons", "two interleaved half circles (as scikit-learn's make_moons)", {{"noise", 0.05}}},
      {"swiss_roll", "a 2-D swiss roll, t = 3π(1 + 2u), standardised to unit variance", {{"noise", 0.05}}},
      {"circles", "two concentric circles of radius r and factor·r", {{"radius", 1.0}, {"factor", 0.5}, {"noise", 0.05}}},
      {"checkerboard", "uniform on the cells of [−range, range]² whose floor-sum is odd", {{"range", 4.0}}},
      {"pinwheel", "arms of radius 2√u turned by rate·√u, with angular noise", {{"arms", 5}, {"rate", 5.0}, {"noise", 0.1}}},
      {"spiral", "one spiral of the given turns out to radius 2", {{"turns", 1.5}, {"noise", 0.05}}},
      {"grid", "a side × side grid of Gaussians in [−1, 1]²", {{"side", 10}, {"noise", 0.01}}},
  };
  return all;
}

const DatasetInfo& find_dataset(const std::string& name) {
  std::string known;
  for (const DatasetInfo& info : datasets()) {
    if (info.name == name) return info;
    known += (known.empty() ? "" : ", ") + info.name;
  }
  throw CliError(kUsageError, "unknown dataset '" + name + "'; known: " + known + " (or pass a CSV file with --data)");
}

std::map<std::string, double> dataset_parameters(const std::string& name, const std::map<std::string, double>& overrides) {
  const DatasetInfo& info = find_dataset(name);
  std::map<std::string, double> values(info.parameters.begin(), info.parameters.end());
  for (const auto& [key, value] : overrides) {
    if (values.count(key) == 0) {
      std::string known;
      for (const auto& [parameter, unused] : info.parameters) known += (known.empty() ? "" : ", ") + parameter;
      throw CliError(kUsageError, "dataset " + name + " has no parameter '" + key + "'; its parameters: " + known);
    }
    if (!std::isfinite(value) || value < 0 || ((key == "k" || key == "arms" || key == "side") && (value < 1 || value != std::floor(value))) ||
        ((key == "radius" || key == "range" || key == "turns" || key == "factor") && value <= 0)) {
      throw CliError(kUsageError, "dataset " + name + ": parameter " + key + " = " + std::to_string(value) +
                                      " is out of range (counts are whole numbers ≥ 1, sizes > 0, noise ≥ 0)");
    }
    values[key] = value;
  }
  return values;
}

Modes dataset_modes(const std::string& name, const std::map<std::string, double>& p) {
  Modes modes;
  if (name == "eight_gaussians") {
    for (int k = 0; k < 8; ++k) modes.centres.push_back({p.at("radius") * std::cos(k * pi / 4), p.at("radius") * std::sin(k * pi / 4)});
    modes.std = p.at("std");
  } else if (name == "gaussian_mixture") {
    const auto k = static_cast<int>(p.at("k"));
    for (int i = 0; i < k; ++i) modes.centres.push_back({p.at("radius") * std::cos(2 * pi * i / k), p.at("radius") * std::sin(2 * pi * i / k)});
    modes.std = p.at("std");
  } else if (name == "grid") {
    const auto side = static_cast<int>(p.at("side"));
    for (int i = 0; i < side; ++i) {
      for (int j = 0; j < side; ++j) {
        const auto at = [side](int index) { return side == 1 ? 0.0 : -1.0 + 2.0 * index / (side - 1); };
        modes.centres.push_back({at(i), at(j)});
      }
    }
    modes.std = p.at("noise");
  }
  return modes;
}

Tensor generate_dataset(const std::string& name, int64_t n, const std::map<std::string, double>& p, Generator& generator) {
  NoGradGuard no_grad;
  find_dataset(name);
  const Modes modes = dataset_modes(name, p);
  std::vector<double> xy;
  xy.reserve(static_cast<std::size_t>(2 * n));
  if (!modes.centres.empty()) {
    const Draws draws(generator, 3 * n);
    for (int64_t i = 0; i < n; ++i) {
      const auto k = std::min(modes.centres.size() - 1, static_cast<std::size_t>(draws.uniform[static_cast<std::size_t>(i)] * modes.centres.size()));
      xy.push_back(modes.centres[k][0] + modes.std * draws.normal[static_cast<std::size_t>(n + i)]);
      xy.push_back(modes.centres[k][1] + modes.std * draws.normal[static_cast<std::size_t>(2 * n + i)]);
    }
    return points(xy);
  }
  const Draws draws(generator, 4 * n);
  const auto u = [&](int64_t i, int64_t k) { return draws.uniform[static_cast<std::size_t>(k * n + i)]; };
  const auto z = [&](int64_t i, int64_t k) { return draws.normal[static_cast<std::size_t>(k * n + i)]; };
  if (name == "two_moons") {
    for (int64_t i = 0; i < n; ++i) {
      const double t = pi * u(i, 0);
      const bool outer = u(i, 1) < 0.5;
      xy.push_back((outer ? std::cos(t) : 1 - std::cos(t)) + p.at("noise") * z(i, 0));
      xy.push_back((outer ? std::sin(t) : 0.5 - std::sin(t)) + p.at("noise") * z(i, 1));
    }
  } else if (name == "swiss_roll") {
    for (int64_t i = 0; i < n; ++i) {
      const double t = 3 * pi * (1 + 2 * u(i, 0));
      xy.push_back(t * std::cos(t));
      xy.push_back(t * std::sin(t));
    }
    // Standardise (the roll spans about ±28), then add the noise at the unit scale.
    double second_moment = 0;
    for (double v : xy) second_moment += v * v / static_cast<double>(xy.size());
    const double scale = 1 / std::sqrt(second_moment);
    for (int64_t i = 0; i < n; ++i) {
      xy[static_cast<std::size_t>(2 * i)] = xy[static_cast<std::size_t>(2 * i)] * scale + p.at("noise") * z(i, 0);
      xy[static_cast<std::size_t>(2 * i + 1)] = xy[static_cast<std::size_t>(2 * i + 1)] * scale + p.at("noise") * z(i, 1);
    }
  } else if (name == "circles") {
    for (int64_t i = 0; i < n; ++i) {
      const double r = p.at("radius") * (u(i, 1) < 0.5 ? 1.0 : p.at("factor"));
      const double t = 2 * pi * u(i, 0);
      xy.push_back(r * std::cos(t) + p.at("noise") * z(i, 0));
      xy.push_back(r * std::sin(t) + p.at("noise") * z(i, 1));
    }
  } else if (name == "checkerboard") {
    // Uniform in the box, each point that fell in an even cell moved by ±1 into the other cell of
    // its pair of columns (−range + 2m, −range + 2m + 1), which is odd: every odd cell gets its own
    // mass and that of one even cell, and no rejection loop.
    const double range = p.at("range");
    for (int64_t i = 0; i < n; ++i) {
      double x = -range + 2 * range * u(i, 0);
      const double y = -range + 2 * range * u(i, 1);
      const auto column = static_cast<int64_t>(std::floor(x));
      if ((column + static_cast<int64_t>(std::floor(y))) % 2 == 0) x += (column + static_cast<int64_t>(std::ceil(range))) % 2 == 0 ? 1 : -1;
      xy.push_back(x);
      xy.push_back(y);
    }
  } else if (name == "pinwheel") {
    const auto arms = static_cast<int64_t>(p.at("arms"));
    for (int64_t i = 0; i < n; ++i) {
      const auto arm = std::min(arms - 1, static_cast<int64_t>(u(i, 0) * static_cast<double>(arms)));
      const double root = std::sqrt(u(i, 1));
      const double angle = 2 * pi * static_cast<double>(arm) / static_cast<double>(arms) + p.at("rate") * root + p.at("noise") * z(i, 0);
      xy.push_back(2 * root * std::cos(angle));
      xy.push_back(2 * root * std::sin(angle));
    }
  } else if (name == "spiral") {
    const double turns = p.at("turns");
    for (int64_t i = 0; i < n; ++i) {
      const double fraction = std::sqrt(u(i, 0));
      const double t = 2 * pi * turns * fraction;
      xy.push_back(2 * fraction * std::cos(t) + p.at("noise") * z(i, 0));
      xy.push_back(2 * fraction * std::sin(t) + p.at("noise") * z(i, 1));
    }
  }
  return points(xy);
}

}  // namespace ebm::tools
