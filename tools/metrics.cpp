#include "tools/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ebm::tools {
namespace {

struct Points {
  explicit Points(const Tensor& t) : values(t.to_vector()), n(t.size(0)), d(t.size(1)) {}
  double distance(int64_t i, const Points& other, int64_t j) const {
    double s = 0;
    for (int64_t k = 0; k < d; ++k) {
      const double diff = values[static_cast<std::size_t>(i * d + k)] - other.values[static_cast<std::size_t>(j * other.d + k)];
      s += diff * diff;
    }
    return std::sqrt(s);
  }
  std::vector<double> values;
  int64_t n;
  int64_t d;
};

/// Mean of f(distance) over distinct pairs within a set (same = true) or over all cross pairs.
template <class F>
double pair_mean(const Points& a, const Points& b, bool same, F f) {
  double total = 0;
  double count = 0;
  for (int64_t i = 0; i < a.n; ++i) {
    for (int64_t j = same ? i + 1 : 0; j < b.n; ++j) {
      total += f(a.distance(i, b, j));
      count += 1;
    }
  }
  return count > 0 ? total / count : 0.0;
}

}  // namespace

MMD mmd_rbf(const Tensor& samples, const Tensor& data) {
  const Points x(samples), y(data);
  std::vector<double> distances;
  const Points* sets[] = {&x, &y};
  for (int a = 0; a < 2; ++a) {
    for (int b = a; b < 2; ++b) {
      for (int64_t i = 0; i < sets[a]->n; ++i) {
        for (int64_t j = a == b ? i + 1 : 0; j < sets[b]->n; ++j) distances.push_back(sets[a]->distance(i, *sets[b], j));
      }
    }
  }
  auto middle = distances.begin() + static_cast<std::ptrdiff_t>(distances.size() / 2);
  std::nth_element(distances.begin(), middle, distances.end());
  const double h = std::max(*middle, std::numeric_limits<double>::min());
  const auto kernel = [h](double r) { return std::exp(-r * r / (2 * h * h)); };
  const double mmd2 = pair_mean(x, x, true, kernel) + pair_mean(y, y, true, kernel) - 2 * pair_mean(x, y, false, kernel);
  return {mmd2, h};
}

double energy_distance(const Tensor& samples, const Tensor& data) {
  const Points x(samples), y(data);
  const auto identity = [](double r) { return r; };
  return 2 * pair_mean(x, y, false, identity) - pair_mean(x, x, true, identity) - pair_mean(y, y, true, identity);
}

double default_mode_radius(const Modes& modes) {
  double closest = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < modes.centres.size(); ++i) {
    for (std::size_t j = i + 1; j < modes.centres.size(); ++j) {
      closest = std::min(closest, std::hypot(modes.centres[i][0] - modes.centres[j][0], modes.centres[i][1] - modes.centres[j][1]));
    }
  }
  if (!std::isfinite(closest)) closest = 1.0;
  return std::max(0.1 * closest, 3 * modes.std);
}

ModeCoverage mode_coverage(const Tensor& samples, const Modes& modes, double radius) {
  const Points x(samples);
  std::vector<int64_t> near(modes.centres.size(), 0);
  int64_t near_any = 0;
  for (int64_t i = 0; i < x.n; ++i) {
    for (std::size_t k = 0; k < modes.centres.size(); ++k) {
      const double dx = x.values[static_cast<std::size_t>(i * x.d)] - modes.centres[k][0];
      const double dy = x.values[static_cast<std::size_t>(i * x.d + 1)] - modes.centres[k][1];
      if (std::hypot(dx, dy) <= radius) {
        ++near[k];
        ++near_any;
        break;
      }
    }
  }
  const double share = static_cast<double>(x.n) / (5.0 * static_cast<double>(modes.centres.size()));
  const auto covered = std::count_if(near.begin(), near.end(), [share](int64_t count) { return static_cast<double>(count) >= share; });
  return {static_cast<double>(covered) / static_cast<double>(modes.centres.size()),
          static_cast<double>(near_any) / static_cast<double>(x.n), radius};
}

}  // namespace ebm::tools
