// The checks of the tool's numeric and true/false options. CLI11's own print the type's limits (a 309-digit
// upper bound for "positive"); these say what was given and what is accepted:
//   ebm: error: --steps: got '-5'; accepted: a whole number ≥ 1
// (--help shows the range in ASCII, ">=1" or "1..64": CLI11 aligns its columns by bytes.)
#pragma once

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace ebm::tools {

/// A whole number in [low, high] (high omitted: no upper bound but the type's).
inline CLI::Validator whole_number(int64_t low, int64_t high = std::numeric_limits<int64_t>::max()) {
  const bool bounded = high != std::numeric_limits<int64_t>::max();
  const std::string accepted = bounded ? "a whole number from " + std::to_string(low) + " to " + std::to_string(high)
                                       : "a whole number ≥ " + std::to_string(low);
  return CLI::Validator(
      [=](std::string& given) -> std::string {
        std::size_t used = 0;
        long long value = 0;
        try {
          value = std::stoll(given, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == 0 || used != given.size() || value < low || value > high) return "got '" + given + "'; accepted: " + accepted;
        return {};
      },
      bounded ? std::to_string(low) + ".." + std::to_string(high) : ">=" + std::to_string(low));
}

/// A finite number above `low` (or at least `low` when `inclusive`), and at most `high` if given.
inline CLI::Validator real_number(double low, bool inclusive, double high = INFINITY) {
  const auto shown = [](double v) {
    std::string text = std::to_string(v);
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
    return text;
  };
  const std::string lower = (inclusive ? "≥ " : "> ") + shown(low);
  const std::string accepted = std::isfinite(high) ? "a number from " + shown(low) + " to " + shown(high) : "a number " + lower;
  return CLI::Validator(
      [=](std::string& given) -> std::string {
        std::size_t used = 0;
        double value = NAN;
        try {
          value = std::stod(given, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        const bool above = inclusive ? value >= low : value > low;
        if (used == 0 || used != given.size() || !std::isfinite(value) || !above || value > high) {
          return "got '" + given + "'; accepted: " + accepted;
        }
        return {};
      },
      std::isfinite(high) ? shown(low) + ".." + shown(high) : (inclusive ? ">=" : ">") + shown(low));
}

/// The word true or false.
inline CLI::Validator true_or_false() {
  return CLI::Validator(
      [](std::string& given) -> std::string {
        if (given == "true" || given == "false") return {};
        return "got '" + given + "'; accepted: true or false";
      },
      "true|false");
}

}  // namespace ebm::tools
