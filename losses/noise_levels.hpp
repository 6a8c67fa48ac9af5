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

/// Throws std::invalid_argument naming `loss` unless sigmas is non-empty, each finite and > 0.
void check_sigmas(const char* loss, const std::vector<double>& sigmas);

}  // namespace ebm::losses
