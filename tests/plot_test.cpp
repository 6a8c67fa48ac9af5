// The plots (tools/plot.hpp): every digit of the labels drawn whole, against a reference; the
// score field's arrows against the closed form of a Gaussian's score.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <numbers>
#include <map>
#include <string>
#include <vector>

#include "energies/analytic.hpp"
#include "engine/ops.hpp"
#include "tools/cli_error.hpp"
#include "tools/commands.hpp"
#include "tools/plot.hpp"

namespace {

using Bitmap = std::vector<std::string>;

/// The text's rectangles rasterised into rows of '#' (ink) and '.', `width` columns, 7 rows.
Bitmap rasterise(const std::string& text, int width) {
  Bitmap rows(7, std::string(static_cast<std::size_t>(width), '.'));
  for (const auto& [left, top, right, bottom] : ebm::tools::text_rectangles(text)) {
    for (int y = top; y < bottom; ++y) {
      for (int x = left; x < right; ++x) {
        REQUIRE(y < 7);
        REQUIRE(x < width);
        rows[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)] = '#';
      }
    }
  }
  return rows;
}

// stb_easy_font's digits, 4 × 7 pixels.
const std::map<char, Bitmap> digits = {
    {'0', {".##.", "#..#", "#.##", "##.#", "#..#", "#..#", ".##."}},
    {'1', {"..#.", ".##.", "..#.", "..#.", "..#.", "..#.", ".###"}},
    {'2', {"###.", "...#", "...#", "..#.", ".#..", "#...", "####"}},
    {'3', {"###.", "...#", "...#", ".##.", "...#", "...#", "###."}},
    {'4', {"#..#", "#..#", "#..#", "####", "...#", "...#", "...#"}},
    {'5', {"####", "#...", "#...", "###.", "...#", "...#", "###."}},
    {'6', {".##.", "#...", "#...", "###.", "#..#", "#..#", ".##."}},
    {'7', {"####", "...#", "...#", "..#.", "..#.", ".#..", ".#.."}},
    {'8', {".##.", "#..#", "#..#", ".##.", "#..#", "#..#", ".##."}},
    {'9', {".##.", "#..#", "#..#", ".###", "...#", "..#.", ".#.."}},
};

}  // namespace

TEST_CASE("plot labels draw every digit whole, alone and in a label, as the reference glyphs") {
  for (const auto& [digit, reference] : digits) {
    CAPTURE(digit);
    CHECK(rasterise(std::string(1, digit), 4) == reference);  // alone: "0" lost its right stroke once
  }
  // In a longer label each digit advances 6 pixels, all its strokes kept.
  const std::string label = "98765432100";
  const Bitmap drawn = rasterise(label, 6 * static_cast<int>(label.size()));
  for (std::size_t i = 0; i < label.size(); ++i) {
    CAPTURE(i);
    for (std::size_t row = 0; row < 7; ++row) CHECK(drawn[row].substr(6 * i, 6) == digits.at(label[i])[row] + "..");
  }
}

TEST_CASE("plot --score arrows: s = −∇E = −Σ⁻¹(x − μ) for a Gaussian, pointing at the mean, lengths ∝ ‖s‖") {
  using namespace ebm;
  // Σ = diag(1, 4), μ = (0.5, 0): s(x) = (−(x₁ − 0.5), −x₂/4).
  const energies::Gaussian gaussian(tensor({0.5, 0}, {2}), tensor({1, 0, 0, 4}, {2, 2}));  // float32, as the plots
  const std::array<double, 4> box = {-2, 3, -2.5, 2.5};  // 5 × 5 units shown on 250 × 250 pixels: 50 pixels per unit
  const auto arrows = tools::score_arrows(gaussian, box, 250, 250, 25);
  REQUIRE(arrows.size() == 100);  // 10 × 10 cells of 25 pixels
  double largest = 0;
  std::vector<double> ratios;
  for (const tools::Arrow& arrow : arrows) {
    // The arrow's centre is its cell's centre; back to the plot's coordinates.
    const double cx = (arrow.tail_x + arrow.head_x) / 2, cy = (arrow.tail_y + arrow.head_y) / 2;
    const double x1 = box[0] + cx / 50, x2 = box[3] - cy / 50;
    const double s1 = -(x1 - 0.5), s2 = -x2 / 4;
    const double dx = arrow.head_x - arrow.tail_x, dy = -(arrow.head_y - arrow.tail_y);  // y up again
    const double length = std::hypot(dx, dy);
    largest = std::max(largest, length);
    if (std::hypot(s1, s2) < 1e-9) continue;
    CHECK(dx * s1 + dy * s2 == doctest::Approx(length * std::hypot(s1, s2)).epsilon(1e-5));  // parallel to s
    if (length < 0.9 * 25 - 1e-6) ratios.push_back(length / std::hypot(s1, s2));  // unclipped
  }
  CHECK(largest == doctest::Approx(0.9 * 25));  // the longest ones are clipped to 0.9 of a cell
  REQUIRE(ratios.size() > 50);
  for (double ratio : ratios) CHECK(ratio == doctest::Approx(ratios.front()).epsilon(1e-5));  // one scale for all
}

TEST_CASE("dataset_energy: eight_gaussians' own energy at a centre is log 8 + log 2πσ², the mixture's −log p") {
  using namespace ebm;
  tools::TrainConfig config;
  config.dataset = "eight_gaussians";  // radius 2, std 0.02 by default
  const auto energy = tools::dataset_energy(config);
  const double sigma = 0.02;
  const double at_centre = (*energy)(tensor({2, 0}, {1, 2})).item();
  CHECK(at_centre == doctest::Approx(std::log(8.0) + std::log(2 * std::numbers::pi * sigma * sigma)).epsilon(1e-5));
  config.dataset = "two_moons";
  CHECK_THROWS_WITH_AS(tools::dataset_energy(config), doctest::Contains("mixture dataset"), tools::CliError);
}
