// The text of the plots' labels (tools/plot.hpp): every digit drawn whole, against a reference.
#include <doctest/doctest.h>

#include <array>
#include <map>
#include <string>
#include <vector>

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
