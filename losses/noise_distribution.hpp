// Noise distributions for noise-contrastive estimation: they sample and report their own density.
#pragma once

#include "engine/generator.hpp"
#include "engine/tensor.hpp"

namespace ebm::losses {

class NoiseDistribution {
 public:
  virtual ~NoiseDistribution() = default;
  /// n draws, [n, D].
  virtual Tensor sample(int64_t n, Generator& generator = default_generator()) const = 0;
  /// log p_n(x) per row, [N, D] → [N], normalised.
  virtual Tensor log_prob(const Tensor& x) const = 0;
};

/// N(μ, diag(σ²)): log p = −½Σ((x − μ)/σ)² − Σ log σ − (D/2) log 2π.
class DiagonalGaussianNoise : public NoiseDistribution {
 public:
  DiagonalGaussianNoise(Tensor mean /*[D]*/, Tensor stds /*[D]*/);
  Tensor sample(int64_t n, Generator& generator = default_generator()) const override;
  Tensor log_prob(const Tensor& x) const override;
  const Tensor& mean() const { return mean_; }
  const Tensor& stds() const { return stds_; }

 private:
  Tensor mean_;
  Tensor stds_;
};

/// N(μ, σ²I): a diagonal Gaussian with one σ.
class IsotropicGaussianNoise : public DiagonalGaussianNoise {
 public:
  IsotropicGaussianNoise(Tensor mean /*[D]*/, double std);
};

/// The diagonal Gaussian with the data's per-dimension mean and standard deviation, the stds
/// multiplied by `widen` (NCE learns best when the noise covers the data).
DiagonalGaussianNoise fit_gaussian_noise(const Tensor& data, double widen = 1.0);

}  // namespace ebm::losses
