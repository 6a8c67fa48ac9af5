// Unit tests of the ebm tool's library: the sample-quality metrics against hand computations, and
// every dataset's distribution against its definition (statistics within 5 Monte Carlo standard
// errors at a fixed seed, exact geometry where the noise is off).
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "engine/ops.hpp"
#include "tools/cli_error.hpp"
#include "tools/datasets.hpp"
#include "tools/metrics.hpp"

namespace {

using namespace ebm;
using namespace ebm::tools;
using Point = std::array<double, 2>;

constexpr double pi = std::numbers::pi;

Tensor points(const std::vector<Point>& xy) {
  std::vector<double> values;
  for (const Point& p : xy) values.insert(values.end(), p.begin(), p.end());
  return tensor(values, {static_cast<int64_t>(xy.size()), 2}, DType::Float64);
}

/// Points on the x axis.
Tensor on_axis(const std::vector<double>& xs) {
  std::vector<Point> xy;
  for (double x : xs) xy.push_back({x, 0});
  return points(xy);
}

/// n points of a dataset, its defaults overridden by `overrides`, from a generator seeded `seed`.
std::vector<Point> draw(const std::string& name, int64_t n, const std::map<std::string, double>& overrides = {}, uint64_t seed = 11) {
  Generator generator(seed);
  const Tensor drawn = generate_dataset(name, n, dataset_parameters(name, overrides), generator);
  REQUIRE(drawn.shape() == Shape{n, 2});
  const std::vector<double> values = drawn.to_vector();
  std::vector<Point> xy;
  for (std::size_t i = 0; i < values.size(); i += 2) xy.push_back({values[i], values[i + 1]});
  return xy;
}

/// Checks that the mean of f over the points is `expected` within 5 standard errors, the standard
/// error being the sample standard deviation of f over √n.
void check_mean(const std::vector<Point>& xy, const std::function<double(const Point&)>& f, double expected, const char* what) {
  double sum = 0, sum_of_squares = 0;
  for (const Point& p : xy) {
    sum += f(p);
    sum_of_squares += f(p) * f(p);
  }
  const double n = static_cast<double>(xy.size());
  const double mean = sum / n;
  const double standard_error = std::sqrt(std::max(0.0, sum_of_squares / n - mean * mean) / (n - 1));
  INFO(what << ": mean " << mean << ", expected " << expected << ", standard error " << standard_error);
  CHECK(standard_error > 0);
  CHECK(std::abs(mean - expected) <= 5 * standard_error);
}

/// An angle in (−π, π].
double wrap(double angle) { return angle - 2 * pi * std::ceil((angle - pi) / (2 * pi)); }

/// A mixture dataset against its modes: every mode drawn 1/K of the time, and the offsets from the
/// nearest centre N(0, std²) in each coordinate.
void check_mixture(const std::string& name, const std::map<std::string, double>& overrides, int64_t n) {
  CAPTURE(name);
  const Modes modes = dataset_modes(name, dataset_parameters(name, overrides));
  REQUIRE(!modes.centres.empty());
  std::vector<Point> offsets;
  std::vector<int64_t> counts(modes.centres.size(), 0);
  for (const Point& p : draw(name, n, overrides)) {
    std::size_t nearest = 0;
    for (std::size_t k = 1; k < modes.centres.size(); ++k) {
      if (std::hypot(p[0] - modes.centres[k][0], p[1] - modes.centres[k][1]) <
          std::hypot(p[0] - modes.centres[nearest][0], p[1] - modes.centres[nearest][1])) {
        nearest = k;
      }
    }
    offsets.push_back({(p[0] - modes.centres[nearest][0]) / modes.std, (p[1] - modes.centres[nearest][1]) / modes.std});
    ++counts[nearest];
  }
  // A mode's count is Binomial(n, 1/K): standard error √(n(1/K)(1 − 1/K)).
  const double share = 1.0 / static_cast<double>(modes.centres.size());
  const double count_error = std::sqrt(static_cast<double>(n) * share * (1 - share));
  for (int64_t count : counts) CHECK(std::abs(static_cast<double>(count) - static_cast<double>(n) * share) <= 5 * count_error);
  // The offsets in std units: mean 0 and mean square 1 in each coordinate, independent coordinates.
  check_mean(offsets, [](const Point& z) { return z[0]; }, 0, "x offset / std");
  check_mean(offsets, [](const Point& z) { return z[1]; }, 0, "y offset / std");
  check_mean(offsets, [](const Point& z) { return z[0] * z[0]; }, 1, "(x offset / std)²");
  check_mean(offsets, [](const Point& z) { return z[1] * z[1]; }, 1, "(y offset / std)²");
  check_mean(offsets, [](const Point& z) { return z[0] * z[1]; }, 0, "x offset · y offset / std²");
}

/// The noise is added last, N(0, σ²) per coordinate: the same seed with noise 0 gives the same
/// points less σ·z.
void check_additive_noise(const std::string& name, double sigma, const std::map<std::string, double>& overrides = {}) {
  CAPTURE(name);
  std::map<std::string, double> noiseless = overrides;
  noiseless["noise"] = 0;
  const std::vector<Point> noisy = draw(name, 20000, overrides), clean = draw(name, 20000, noiseless);
  std::vector<Point> z;
  for (std::size_t i = 0; i < noisy.size(); ++i) z.push_back({(noisy[i][0] - clean[i][0]) / sigma, (noisy[i][1] - clean[i][1]) / sigma});
  check_mean(z, [](const Point& v) { return v[0]; }, 0, "z₁");
  check_mean(z, [](const Point& v) { return v[1]; }, 0, "z₂");
  check_mean(z, [](const Point& v) { return v[0] * v[0]; }, 1, "z₁²");
  check_mean(z, [](const Point& v) { return v[1] * v[1]; }, 1, "z₂²");
  check_mean(z, [](const Point& v) { return v[0] * v[1]; }, 0, "z₁z₂");
}

}  // namespace

TEST_CASE("mmd_rbf and energy_distance of a set with itself keep the zero distances out of the within-set means") {
  // X = Y = {(0, 0), (3, 0), (0, 4)}: within each set the distances 3, 4, 5; across, 0 three times
  // and 3, 4, 5 twice each. The 15 pooled distances sorted: 0 0 0 3 3 3 3 4 4 4 4 5 5 5 5, median 4.
  const Tensor x = points({{0, 0}, {3, 0}, {0, 4}});
  const MMD mmd = mmd_rbf(x, x);
  CHECK(mmd.bandwidth == 4);
  // k(r) = exp(−r²/32); with K = k(3) + k(4) + k(5):
  // MMD² = K/3 + K/3 − 2(3·k(0) + 2K)/9 = (2K − 6)/9 ≈ −0.2624 (the biased m² form would give 0).
  const auto k = [](double r) { return std::exp(-r * r / 32); };
  const double sum = k(3) + k(4) + k(5);
  CHECK(mmd.mmd2 == doctest::Approx((2 * sum - 6) / 9).epsilon(1e-12));
  // Energy distance: 2·(2·12/9) − 12/3 − 12/3 = −8/3.
  CHECK(energy_distance(x, x) == doctest::Approx(-8.0 / 3).epsilon(1e-12));
}

TEST_CASE("mmd_rbf and energy_distance of two sets of different sizes match the hand computation") {
  // X = {0, 1} (m = 2) and Y = {2, 3, 7, 8} (n = 4) on the x axis. Distances: within X 1; within Y
  // 1, 5, 6, 4, 5, 1; across 2, 3, 7, 8 (from 0) and 1, 2, 6, 7 (from 1). The 15 pooled distances
  // sorted: 1 1 1 1 2 2 3 4 5 5 6 6 7 7 8, median 4, between 3 and 5.
  const Tensor x = on_axis({0, 1}), y = on_axis({2, 3, 7, 8});
  const MMD mmd = mmd_rbf(x, y);
  CHECK(mmd.bandwidth == 4);
  // k(r) = exp(−r²/32). Within X: k(1)/1 pair; within Y: (2k(1) + k(4) + 2k(5) + k(6))/6 pairs;
  // across: (k(1) + 2k(2) + k(3) + k(6) + 2k(7) + k(8))/8 pairs.
  const auto k = [](double r) { return std::exp(-r * r / 32); };
  const double within_x = k(1), within_y = (2 * k(1) + k(4) + 2 * k(5) + k(6)) / 6;
  const double across = (k(1) + 2 * k(2) + k(3) + k(6) + 2 * k(7) + k(8)) / 8;
  CHECK(mmd.mmd2 == doctest::Approx(within_x + within_y - 2 * across).epsilon(1e-12));
  // Energy distance: 2·36/8 − 1/1 − 22/6 = 13/3.
  CHECK(energy_distance(x, y) == doctest::Approx(13.0 / 3).epsilon(1e-12));
  // Both are symmetric in the two sets, sizes included.
  CHECK(mmd_rbf(y, x).mmd2 == doctest::Approx(mmd.mmd2).epsilon(1e-12));
  CHECK(mmd_rbf(y, x).bandwidth == 4);
  CHECK(energy_distance(y, x) == doctest::Approx(13.0 / 3).epsilon(1e-12));
}

TEST_CASE("mmd_rbf and energy_distance depend on the points only through their Euclidean distances") {
  // The sets of the hand computation above turned by 0.3 rad and moved by (5, −2): the same values.
  const auto moved = [](const std::vector<double>& xs) {
    std::vector<Point> xy;
    for (double x : xs) xy.push_back({5 + x * std::cos(0.3), -2 + x * std::sin(0.3)});
    return points(xy);
  };
  const Tensor x = moved({0, 1}), y = moved({2, 3, 7, 8});
  const MMD original = mmd_rbf(on_axis({0, 1}), on_axis({2, 3, 7, 8}));
  CHECK(mmd_rbf(x, y).bandwidth == doctest::Approx(4).epsilon(1e-12));
  CHECK(mmd_rbf(x, y).mmd2 == doctest::Approx(original.mmd2).epsilon(1e-12));
  CHECK(energy_distance(x, y) == doctest::Approx(13.0 / 3).epsilon(1e-12));
}

TEST_CASE("mode_coverage counts a mode covered from a fifth of its fair share of samples within the radius") {
  const Modes modes{.centres = {{0, 0}, {10, 0}}, .std = 0.1};
  const auto far = [](std::vector<Point> xy, std::size_t total) {
    xy.resize(total, Point{5, 5});  // √50 from both centres
    return points(xy);
  };
  // N = 25, K = 2: the threshold N/(5K) = 2.5; 3 near the first centre cover it, 2 near the second do not.
  const ModeCoverage above = mode_coverage(far({{0, 0}, {0.5, 0}, {0, -0.5}, {10, 0.5}, {9.5, 0}}, 25), modes, 1);
  CHECK(above.covered_fraction == 0.5);
  CHECK(above.near_fraction == 5.0 / 25);
  CHECK(above.radius == 1);
  // N = 20: the threshold is 2 and reached exactly by 2 samples; 1 does not.
  const ModeCoverage at = mode_coverage(far({{0, 0}, {0.5, 0}, {10, 0.5}}, 20), modes, 1);
  CHECK(at.covered_fraction == 0.5);
  CHECK(at.near_fraction == 3.0 / 20);
  // The radius is inclusive: 0.5 from a centre is near with radius 0.5, 0.5 + 1e-9 is not.
  const ModeCoverage boundary = mode_coverage(far({{0.5, 0}, {0, -0.5}, {10.5 + 1e-9, 0}, {10, 0.5 + 1e-9}}, 10), modes, 0.5);
  CHECK(boundary.covered_fraction == 0.5);
  CHECK(boundary.near_fraction == 2.0 / 10);
  CHECK(mode_coverage(far({{0.5, 0}, {0, -0.5}}, 10), modes, 0.5 - 1e-9).near_fraction == 0);
}

TEST_CASE("mode_coverage counts a sample near two modes once") {
  // Centres 1 apart and radius 1: (0.5, 0) is near both.
  const Modes modes{.centres = {{0, 0}, {1, 0}}, .std = 0.1};
  const ModeCoverage coverage = mode_coverage(points({{0.5, 0}, {5, 5}}), modes, 1);
  CHECK(coverage.near_fraction == 0.5);
}

TEST_CASE("default_mode_radius is a tenth of the closest centres' distance, at least 3 stds") {
  // Centres (0, 0), (3, 4), (10, 0): distances 5, √65 and 10, the closest 5.
  Modes modes{.centres = {{0, 0}, {3, 4}, {10, 0}}, .std = 0.1};
  CHECK(default_mode_radius(modes) == doctest::Approx(0.5).epsilon(1e-12));
  modes.std = 0.2;
  CHECK(default_mode_radius(modes) == doctest::Approx(0.6).epsilon(1e-12));
  // eight_gaussians: neighbours 2·2·sin(π/8) apart, a tenth of that above 3 · 0.02.
  CHECK(default_mode_radius(dataset_modes("eight_gaussians", dataset_parameters("eight_gaussians", {}))) ==
        doctest::Approx(0.4 * std::sin(pi / 8)).epsilon(1e-12));
}

TEST_CASE("dataset_modes places the mixtures' centres as their parameters say") {
  const Modes eight = dataset_modes("eight_gaussians", dataset_parameters("eight_gaussians", {{"radius", 3}, {"std", 0.1}}));
  REQUIRE(eight.centres.size() == 8);
  CHECK(eight.std == 0.1);
  for (int k = 0; k < 8; ++k) {
    CHECK(eight.centres[static_cast<std::size_t>(k)][0] == doctest::Approx(3 * std::cos(k * pi / 4)).epsilon(1e-12));
    CHECK(eight.centres[static_cast<std::size_t>(k)][1] == doctest::Approx(3 * std::sin(k * pi / 4)).epsilon(1e-12));
  }
  const Modes three = dataset_modes("gaussian_mixture", dataset_parameters("gaussian_mixture", {{"k", 3}, {"radius", 2}, {"std", 0.3}}));
  REQUIRE(three.centres.size() == 3);
  CHECK(three.std == 0.3);
  for (int i = 0; i < 3; ++i) {
    CHECK(three.centres[static_cast<std::size_t>(i)][0] == doctest::Approx(2 * std::cos(2 * pi * i / 3)).epsilon(1e-12));
    CHECK(three.centres[static_cast<std::size_t>(i)][1] == doctest::Approx(2 * std::sin(2 * pi * i / 3)).epsilon(1e-12));
  }
  // A side × side grid in [−1, 1]², spacing 2/(side − 1).
  const Modes grid = dataset_modes("grid", dataset_parameters("grid", {{"side", 3}, {"noise", 0.05}}));
  CHECK(grid.std == 0.05);
  std::vector<Point> centres(grid.centres.begin(), grid.centres.end());
  std::sort(centres.begin(), centres.end());
  CHECK(centres == std::vector<Point>{{-1, -1}, {-1, 0}, {-1, 1}, {0, -1}, {0, 0}, {0, 1}, {1, -1}, {1, 0}, {1, 1}});
  CHECK(dataset_modes("grid", dataset_parameters("grid", {{"side", 1}})).centres == std::vector<Point>{{0, 0}});
  CHECK(dataset_modes("grid", dataset_parameters("grid", {})).centres.size() == 100);
  for (const char* name : {"two_moons", "swiss_roll", "circles", "checkerboard", "pinwheel", "spiral"}) {
    CAPTURE(name);
    CHECK(dataset_modes(name, dataset_parameters(name, {})).centres.empty());
  }
}

TEST_CASE("dataset_parameters gives the documented defaults, applies overrides and refuses bad ones") {
  using Parameters = std::map<std::string, double>;
  CHECK(dataset_parameters("eight_gaussians", {}) == Parameters{{"radius", 2}, {"std", 0.02}});
  CHECK(dataset_parameters("gaussian_mixture", {{"k", 3}}) == Parameters{{"k", 3}, {"radius", 1}, {"std", 0.05}});
  CHECK(dataset_parameters("two_moons", {}) == Parameters{{"noise", 0.05}});
  CHECK(dataset_parameters("swiss_roll", {}) == Parameters{{"noise", 0.05}});
  CHECK(dataset_parameters("circles", {}) == Parameters{{"factor", 0.5}, {"noise", 0.05}, {"radius", 1}});
  CHECK(dataset_parameters("checkerboard", {}) == Parameters{{"range", 4}});
  CHECK(dataset_parameters("pinwheel", {}) == Parameters{{"arms", 5}, {"noise", 0.1}, {"rate", 5}});
  CHECK(dataset_parameters("spiral", {}) == Parameters{{"noise", 0.05}, {"turns", 1.5}});
  CHECK(dataset_parameters("grid", {{"noise", 0}}) == Parameters{{"noise", 0}, {"side", 10}});
  const auto refused = [](const std::string& name, const Parameters& overrides) {
    try {
      dataset_parameters(name, overrides);
    } catch (const CliError& error) {
      return error.code() == kUsageError;
    }
    return false;
  };
  CHECK(refused("grid", {{"spacing", 2}}));
  CHECK(refused("gaussian_mixture", {{"k", 2.5}}));
  CHECK(refused("gaussian_mixture", {{"k", 0}}));
  CHECK(refused("circles", {{"radius", 0}}));
  CHECK(refused("two_moons", {{"noise", -0.1}}));
  CHECK(refused("spiral", {{"turns", NAN}}));
  CHECK(refused("nine_gaussians", {}));
}

TEST_CASE("eight_gaussians draws its 8 modes evenly with the given std") {
  check_mixture("eight_gaussians", {}, 20000);
  check_mixture("eight_gaussians", {{"radius", 3}, {"std", 0.2}}, 20000);
}

TEST_CASE("gaussian_mixture draws its k modes evenly with the given std") {
  check_mixture("gaussian_mixture", {}, 20000);
  // k = 3 at radius 2: 3 modes, and the spread follows std.
  check_mixture("gaussian_mixture", {{"k", 3}, {"radius", 2}, {"std", 0.3}}, 20000);
}

TEST_CASE("grid draws its side × side modes evenly with the given noise") {
  check_mixture("grid", {}, 20000);
  check_mixture("grid", {{"side", 3}, {"noise", 0.05}}, 20000);
}

TEST_CASE("two_moons lies on its two half circles, half on each, with additive noise") {
  // Noise 0: the upper half of the unit circle, (cos t, sin t), and the lower half of the unit
  // circle about (1, 0.5), (1 − cos t, 0.5 − sin t), with t uniform on [0, π).
  const std::vector<Point> xy = draw("two_moons", 20000, {{"noise", 0}});
  std::vector<Point> outer, inner;
  for (const Point& p : xy) {
    if (std::abs(std::hypot(p[0], p[1]) - 1) < 1e-12 && p[1] >= 0) {
      outer.push_back(p);
    } else if (std::abs(std::hypot(p[0] - 1, p[1] - 0.5) - 1) < 1e-12 && p[1] <= 0.5) {
      inner.push_back(p);
    }
  }
  CHECK(outer.size() + inner.size() == xy.size());
  check_mean(xy, [](const Point& p) { return std::abs(std::hypot(p[0], p[1]) - 1) < 1e-12 ? 1.0 : 0.0; }, 0.5, "share on the outer moon");
  check_mean(outer, [](const Point& p) { return std::atan2(p[1], p[0]); }, pi / 2, "outer t");
  check_mean(outer, [](const Point& p) { return std::pow(std::atan2(p[1], p[0]), 2); }, pi * pi / 3, "outer t²");
  check_mean(inner, [](const Point& p) { return std::atan2(0.5 - p[1], 1 - p[0]); }, pi / 2, "inner t");
  check_mean(inner, [](const Point& p) { return std::pow(std::atan2(0.5 - p[1], 1 - p[0]), 2); }, pi * pi / 3, "inner t²");
  check_additive_noise("two_moons", 0.05);
  check_additive_noise("two_moons", 0.3, {{"noise", 0.3}});
}

TEST_CASE("swiss_roll is t(cos t, sin t) for t uniform on 3π to 9π, standardised, with additive noise") {
  const std::vector<Point> xy = draw("swiss_roll", 50000, {{"noise", 0}});
  // Standardised on the sample: the mean square coordinate is 1.
  double mean_square = 0;
  for (const Point& p : xy) mean_square += (p[0] * p[0] + p[1] * p[1]) / (2.0 * static_cast<double>(xy.size()));
  CHECK(mean_square == doctest::Approx(1).epsilon(1e-12));
  // The scale s = 1/√(E t²/2) with E t² = ((9π)³ − (3π)³)/(3 · 6π) = 39π², so s = 1/(π√19.5). Its
  // sample value has a relative standard error of sd(t²)/(2√n E t²) = 0.27/√n ≈ 0.0012; the largest
  // radius, s·9π, falls short of it by a relative 2e-4 with probability 1 − e⁻¹⁵.
  double largest = 0;
  for (const Point& p : xy) largest = std::max(largest, std::hypot(p[0], p[1]));
  const double scale = largest / (9 * pi);
  CHECK(std::abs(scale * pi * std::sqrt(19.5) - 1) <= 5 * 0.0012 + 2e-4);
  // Each point's angle is its t = r/s, modulo 2π (to 9π · 2e-4 ≈ 0.006), and t is uniform.
  for (const Point& p : xy) {
    const double t = std::hypot(p[0], p[1]) / scale;
    if (!(t >= 3 * pi - 1e-9 && t <= 9 * pi + 1e-9 && std::abs(wrap(std::atan2(p[1], p[0]) - t)) < 0.01)) {
      FAIL_CHECK("off the roll: (" << p[0] << ", " << p[1] << "), t = " << t);
      break;
    }
  }
  check_mean(xy, [scale](const Point& p) { return std::hypot(p[0], p[1]) / scale; }, 6 * pi, "t");
  check_additive_noise("swiss_roll", 0.05);
}

TEST_CASE("circles lies on its two circles, half on each, at uniform angles, with additive noise") {
  for (const std::array<double, 2> radius_factor : {std::array{1.0, 0.5}, std::array{2.0, 0.25}}) {
    const double radius = radius_factor[0], inner = radius_factor[0] * radius_factor[1];
    CAPTURE(radius);
    const std::vector<Point> xy = draw("circles", 20000, {{"radius", radius}, {"factor", radius_factor[1]}, {"noise", 0}});
    const auto on_outer = [radius](const Point& p) { return std::abs(std::hypot(p[0], p[1]) - radius) < 1e-12; };
    CHECK(std::all_of(xy.begin(), xy.end(), [&](const Point& p) { return on_outer(p) || std::abs(std::hypot(p[0], p[1]) - inner) < 1e-12; }));
    check_mean(xy, [&](const Point& p) { return on_outer(p) ? 1.0 : 0.0; }, 0.5, "share on the outer circle");
    check_mean(xy, [](const Point& p) { return std::cos(std::atan2(p[1], p[0])); }, 0, "cos θ");
    check_mean(xy, [](const Point& p) { return std::sin(std::atan2(p[1], p[0])); }, 0, "sin θ");
    check_mean(xy, [](const Point& p) { return std::cos(2 * std::atan2(p[1], p[0])); }, 0, "cos 2θ");
  }
  check_additive_noise("circles", 0.05);
}

TEST_CASE("checkerboard is uniform on the odd cells of its square") {
  for (const double range : {4.0, 2.0}) {
    CAPTURE(range);
    const int64_t n = 40000;
    const std::vector<Point> xy = draw("checkerboard", n, {{"range", range}});
    CHECK(std::all_of(xy.begin(), xy.end(), [&](const Point& p) {
      return std::abs(p[0]) <= range && std::abs(p[1]) <= range && (std::llround(std::floor(p[0]) + std::floor(p[1])) % 2 + 2) % 2 == 1;
    }));
    // 2·range² odd cells of the (2·range)² in the square, each with a Binomial(n, 1/cells) count.
    const auto side = static_cast<int64_t>(2 * range);
    const double cells = static_cast<double>(side * side / 2);
    std::map<std::pair<int64_t, int64_t>, int64_t> counts;
    for (const Point& p : xy) ++counts[{static_cast<int64_t>(std::floor(p[0])), static_cast<int64_t>(std::floor(p[1]))}];
    CHECK(static_cast<double>(counts.size()) == cells);
    const double expected = static_cast<double>(n) / cells;
    for (const auto& [cell, count] : counts) {
      CAPTURE(cell.first);
      CAPTURE(cell.second);
      CHECK(std::abs(static_cast<double>(count) - expected) <= 5 * std::sqrt(expected * (1 - 1 / cells)));
    }
    // Uniform within a cell.
    check_mean(xy, [](const Point& p) { return p[0] - std::floor(p[0]); }, 0.5, "x − ⌊x⌋");
    check_mean(xy, [](const Point& p) { return p[1] - std::floor(p[1]); }, 0.5, "y − ⌊y⌋");
  }
}

TEST_CASE("pinwheel has arms of radius 2√u turned by rate·√u, with angular noise") {
  // The angle less rate·r/2 in units of 2π/arms: a whole number, the arm, when the noise is 0.
  const auto arm_turns = [](const Point& p, double arms, double rate) {
    return (std::atan2(p[1], p[0]) - rate * std::hypot(p[0], p[1]) / 2) * arms / (2 * pi);
  };
  for (const std::array<double, 2> arms_rate : {std::array{5.0, 5.0}, std::array{3.0, 2.0}}) {
    const double arms = arms_rate[0], rate = arms_rate[1];
    CAPTURE(arms);
    const std::vector<Point> xy = draw("pinwheel", 20000, {{"arms", arms}, {"rate", rate}, {"noise", 0}});
    CHECK(std::all_of(xy.begin(), xy.end(), [&](const Point& p) {
      const double turns = arm_turns(p, arms, rate);
      return std::abs(turns - std::round(turns)) < 1e-9;
    }));
    // Each arm 1/arms of the time, and (r/2)² = u uniform on [0, 1).
    const auto count = static_cast<int64_t>(arms);
    for (int64_t k = 0; k < count; ++k) {
      CAPTURE(k);
      check_mean(xy, [&](const Point& p) { return (std::llround(arm_turns(p, arms, rate)) % count + count) % count == k ? 1.0 : 0.0; },
                 1 / arms, "share of the arm");
    }
    check_mean(xy, [](const Point& p) { return (p[0] * p[0] + p[1] * p[1]) / 4; }, 0.5, "(r/2)²");
    CHECK(std::all_of(xy.begin(), xy.end(), [](const Point& p) { return std::hypot(p[0], p[1]) < 2; }));
  }
  // The default noise 0.1 turns each point by N(0, 0.1²): its angle from its arm (arms 2π/5 apart,
  // more than 6 stds on either side) has mean 0 and mean square 0.01.
  const auto from_arm = [&arm_turns](const Point& p) {
    const double turns = arm_turns(p, 5, 5);
    return (turns - std::round(turns)) * 2 * pi / 5;
  };
  const std::vector<Point> noisy = draw("pinwheel", 20000);
  check_mean(noisy, from_arm, 0, "angle from the arm");
  check_mean(noisy, [&](const Point& p) { return from_arm(p) * from_arm(p); }, 0.01, "(angle from the arm)²");
}

TEST_CASE("spiral turns its angle by 2π·turns along radius 0 to 2, with additive noise") {
  // Noise 0: r = 2f and angle 2π·turns·f = π·turns·r (mod 2π), with f² uniform on [0, 1).
  for (const double turns : {1.5, 3.0}) {
    CAPTURE(turns);
    const std::vector<Point> xy = draw("spiral", 20000, {{"turns", turns}, {"noise", 0}});
    CHECK(std::all_of(xy.begin(), xy.end(), [turns](const Point& p) {
      const double r = std::hypot(p[0], p[1]);
      return r < 2 && std::abs(wrap(std::atan2(p[1], p[0]) - pi * turns * r)) < 1e-9;
    }));
    check_mean(xy, [](const Point& p) { return (p[0] * p[0] + p[1] * p[1]) / 4; }, 0.5, "(r/2)²");
  }
  check_additive_noise("spiral", 0.05);
}
