// A score objective trained at several noise levels (Song & Ermon 2019: a noise-conditional model
// trained by sliced score matching on the data perturbed at each level).
#pragma once

#include "losses/loss.hpp"

namespace ebm::losses {

struct NoiseLevelsOptions {
  std::vector<double> sigmas;
  /// Split the batch into L equal parts, part i perturbed at σᵢ, so a step costs one evaluation
  /// of the inner objective per point however many levels there are (Song & Ermon 2019 draw one
  /// level per point; batch rows are independent draws, so a fixed split is as random). Needs
  /// N ≥ L. Otherwise every point is perturbed at every level.
  bool split_batch = true;
  Generator* generator = nullptr;  // nullptr: default_generator()
};

/// For each level σ: the inner objective J on the perturbed data x̃ = x + σε (its part of the batch
/// when split_batch), ε ~ N(0, I), with a
/// noise-conditional energy set to σ first (energies::NoiseConditional; any other energy is used as
/// it is). The loss is Σσ²J_σ / Σσ²: the weight λ(σ) = σ² of Song & Ermon, under which every level
/// contributes alike when the scores scale as 1/σ. The inner objective must be one that needs only
/// data (score matching, sliced score matching). Metrics: loss and loss_sigma_<σ> (J_σ) per level,
/// and the inner objective's other metrics averaged over the levels.
class NoiseLevelsLoss : public Loss {
 public:
  /// inner must be built on the same energy.
  NoiseLevelsLoss(std::unique_ptr<Loss> inner, NoiseLevelsOptions options);
  /// neg is not used.
  LossOutput operator()(const Tensor& pos, const Tensor& neg = Tensor()) override;
  std::vector<Tensor> parameters() const override { return inner_->parameters(); }

 private:
  std::unique_ptr<Loss> inner_;
  NoiseLevelsOptions options_;
};

/// The largest distance between two data points and the median distance from a point to its
/// nearest neighbour (over the points that are not repeated), over at most the first 1,000 rows
/// of data [N, D] (N ≥ 2; throws std::invalid_argument otherwise). Both are 0 when every point is
/// the same.
struct DataScales {
  double largest = 0;
  double finest = 0;
};
DataScales data_scales(const Tensor& data);

/// L noise levels from the data, geometric from σ₁ down to σ_L (Song & Ermon 2020, techniques 1
/// and 2): σ₁ is the largest distance between two data points, so that the widest perturbed
/// distribution covers the whole data set, and σ_L is the median distance from a point to its
/// nearest neighbour, the finest scale the data resolves (data_scales). L ≥ 2; throws
/// std::invalid_argument otherwise, or when the data has no spread (σ_L = 0).
std::vector<double> noise_levels_from_data(const Tensor& data, int64_t levels);
/// The same levels from scales data_scales already computed.
std::vector<double> noise_levels_from_scales(const DataScales& scales, int64_t levels);

/// The ratio γ = σ_{i−1}/σ_i between adjacent noise levels for data of D dimensions (Song & Ermon
/// 2020, technique 2): the γ > 1 at which Φ(√(2D)(γ − 1) + 3γ) − Φ(√(2D)(γ − 1) − 3γ) = ½, so that
/// a point perturbed at one level is likely enough under the next (docs/recipes.md derives it and
/// tabulates it: 1.37 for D = 62). For D ≤ 4 the probability stays near 1 whatever γ (√(2D) ≤ 3):
/// every ratio keeps adjacent levels overlapping, and the result is +∞. Throws
/// std::invalid_argument unless D ≥ 1.
double noise_level_ratio(int64_t dimension);
/// Geometric levels from `largest` down to `finest`, no further apart than `ratio`: the fewest
/// L ≥ minimum_levels (≥ 2) with (largest/finest)^(1/(L−1)) ≤ ratio (ratio may be +∞). Throws
/// std::invalid_argument unless largest > finest > 0, ratio > 1 and minimum_levels ≥ 2.
std::vector<double> geometric_noise_levels(double largest, double finest, double ratio, int64_t minimum_levels = 2);
/// The finest scale the data resolves along its coordinates: for each column the median gap
/// between consecutive distinct values, then the median over the columns (over at most the first
/// 1,000 rows of data [N, D]). Unlike the nearest-neighbour distance it does not grow with D: for
/// 8×8 images with 17 grey levels it is the grey step. 0 when no column has two distinct values.
double finest_column_scale(const Tensor& data);

/// Throws std::invalid_argument naming `loss` unless sigmas is non-empty, each finite and > 0.
void check_sigmas(const char* loss, const std::vector<double>& sigmas);

}  // namespace ebm::losses
