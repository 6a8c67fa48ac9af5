#include "energies/mlp_energy.hpp"

#include <stdexcept>
#include <string>

#include "engine/ops.hpp"

namespace ebm::energies {
namespace {

std::vector<int64_t> checked_sizes(std::vector<int64_t> sizes) {
  if (sizes.size() < 2 || sizes.back() != 1) {
    throw std::invalid_argument("MLPEnergy: sizes must be {D, hidden…, 1} (at least two sizes, the last 1), got " +
                                shape_string(sizes));
  }
  return sizes;
}

}  // namespace

MLPEnergy::MLPEnergy(std::vector<int64_t> sizes, nn::Activation activation, Generator& generator, DType dtype)
    : network_(checked_sizes(std::move(sizes)), activation, generator, dtype) {}

Tensor MLPEnergy::energy(const Tensor& x) const {
  const int64_t d = network_.sizes().front();
  if (x.size(1) != d) {
    throw std::invalid_argument("MLPEnergy: points have D = " + std::to_string(x.size(1)) + ", but the network takes D = " +
                                std::to_string(d));
  }
  return reshape(network_(x), {-1});
}

}  // namespace ebm::energies
