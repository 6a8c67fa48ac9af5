// Devices and the ways code above engine/ reaches memory without touching it: row gathers and
// scatters, bytes in and out, moving tensors and modules. What needs a GPU is in cuda_test.cpp.
#include <stdexcept>

#include "test_support.hpp"

namespace {

using namespace ebm;

/// A user energy with one parameter that does not override to(Device).
class ScaledEnergy : public energies::EnergyFunction {
 public:
  Tensor energy(const Tensor& x) const override { return sum(square(x), 1) * scale_; }
  std::vector<Tensor> parameters() const override { return {scale_}; }

 private:
  Tensor scale_ = ones({}).requires_grad_();
};

}  // namespace

TEST_CASE("scatter_rows_ writes the given rows in place, leaves the rest, and bumps the version") {
  Tensor into = tensor({0, 1, 2, 3, 4, 5, 6, 7}, {4, 2}, DType::Float64);
  const uint64_t version = into.version();
  scatter_rows_(into, {3, 0}, tensor({30, 31, 0.5, 0.25}, {2, 2}));  // float32 source, converted
  CHECK(into.to_vector() == std::vector<double>{0.5, 0.25, 2, 3, 4, 5, 30, 31});
  CHECK(into.version() == version + 1);
  CHECK(into.dtype() == DType::Float64);
  CHECK_THROWS_WITH_AS(scatter_rows_(into, {1, 1}, zeros({2, 2})), doctest::Contains("row 1 appears twice"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(scatter_rows_(into, {4}, zeros({1, 2})), doctest::Contains("row 4 is outside [0, 4)"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(scatter_rows_(into, {1}, zeros({1, 3})), doctest::Contains("1 rows of shape [1, 2]"), std::invalid_argument);
  Tensor parameter = zeros({2, 2}).requires_grad_();
  CHECK_THROWS_WITH_AS(scatter_rows_(parameter, {0}, ones({1, 2})), doctest::Contains("NoGradGuard"), std::invalid_argument);
  {
    NoGradGuard no_grad;
    scatter_rows_(parameter, {0}, ones({1, 2}));
  }
  CHECK(parameter.to_vector() == std::vector<double>{1, 1, 0, 0});
}

TEST_CASE("gather_rows and scatter_add_rows: values, repeated rows, and clear errors") {
  const Tensor a = tensor({0, 1, 2, 3, 4, 5}, {3, 2}, DType::Float64);
  CHECK(gather_rows(a, {2, 0, 2}).to_vector() == std::vector<double>{4, 5, 0, 1, 4, 5});
  CHECK(gather_rows(a, {}).shape() == Shape{0, 2});
  // Repeated rows add up: row 1 gets 1 + 10 + 100.
  CHECK(scatter_add_rows(zeros({3, 1}, DType::Float64), {1, 1, 1}, tensor({1, 10, 100}, {3, 1}, DType::Float64)).to_vector() ==
        std::vector<double>{0, 111, 0});
  CHECK_THROWS_WITH_AS(gather_rows(a, {-1}), doctest::Contains("row -1 is outside [0, 3)"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(gather_rows(scalar_tensor(1.0), {0}), doctest::Contains("scalar"), std::invalid_argument);
  // The gradient of a gather adds each picked row's gradient into its source row.
  const Tensor x = a.detach().requires_grad_();
  sum(gather_rows(x, {2, 0, 2}) * tensor({1, 2, 3, 4, 5, 6}, {3, 2}, DType::Float64)).backward();
  CHECK(x.grad().to_vector() == std::vector<double>{3, 4, 0, 0, 1 + 5, 2 + 6});
}

TEST_CASE("to_bytes and from_bytes round-trip a tensor's elements and refuse a size that does not fit") {
  const Tensor a = tensor({1.5, -2, 3.25}, {3}, DType::Float64);
  const std::vector<char> bytes = a.to_bytes();
  CHECK(bytes.size() == 24);
  CHECK(from_bytes(bytes, {3}, DType::Float64).to_vector() == a.to_vector());
  CHECK(from_bytes(tensor({1, 2}, {2}).to_bytes(), {1, 2}, DType::Float32).to_vector() == std::vector<double>{1, 2});
  CHECK_THROWS_WITH_AS(from_bytes(bytes, {2}, DType::Float64), doctest::Contains("24 bytes do not fill shape [2]"),
                       std::invalid_argument);
}

TEST_CASE("moving to the device a tensor or module is on already changes nothing") {
  const Tensor x = ones({2, 3}).requires_grad_();
  const Tensor same = x.to(Device::CPU);
  CHECK(same.to_vector() == x.to_vector());
  CHECK(same.requires_grad());
  CHECK(same.impl() == x.impl());  // the same handle: nothing copied, nothing recorded

  Generator generator(1);
  energies::MLPEnergy energy({2, 8, 1}, nn::Activation::SiLU, generator);
  const std::vector<Tensor> before = energy.parameters();
  energies::EnergyFunction& moved = energy.to(Device::CPU);
  CHECK(&moved == &energy);
  for (std::size_t i = 0; i < before.size(); ++i) CHECK(energy.parameters()[i].impl() == before[i].impl());

  // A user energy with parameters must say how to move them; one without has nothing to move.
  ScaledEnergy scaled;
  CHECK(&scaled.to(Device::CPU) == &scaled);
  CHECK_THROWS_WITH_AS(scaled.to(Device::CUDA), doctest::Contains("overrides to(Device)"), std::logic_error);
  energies::Harmonic harmonic;
  CHECK(&harmonic.to(Device::CUDA) == &harmonic);
}

TEST_CASE("without a usable GPU, asking for a CUDA tensor says so, and the CPU goes on") {
  if (cuda_is_available()) {
    MESSAGE("this machine has a GPU: tests/cuda_test.cpp covers it");
    return;
  }
  for (const auto& make : std::vector<std::function<Tensor()>>{[] { return zeros({1}, DType::Float32, Device::CUDA); },
                                                               [] { return ones({2}).to(Device::CUDA); },
                                                               [] { return randn({2}, default_generator(), DType::Float64, Device::CUDA); }}) {
    try {
      make();
      FAIL("a CUDA tensor was made without a usable GPU");
    } catch (const std::runtime_error& error) {
      const std::string message = error.what();
      CAPTURE(message);
      CHECK(message.find("Device::CUDA") != std::string::npos);
      CHECK(message.find("cuda_is_available()") != std::string::npos);
      // Where the driver is missing or too old, a CUDA build names the one it found and the one it needs.
      if (message.find("no NVIDIA driver") != std::string::npos || message.find("too old") != std::string::npos) {
        CHECK(message.find("needs a driver for CUDA") != std::string::npos);
        CHECK(message.find("r580 or newer") != std::string::npos);
      }
    }
  }
  if (!cuda_architectures().empty()) {
    // Without a GPU the description says which driver CUDA found: none, or its version.
    const std::string description = cuda_device_description();
    CAPTURE(description);
    CHECK(description.find("driver") != std::string::npos);
  }
  CHECK(sum(ones({3})).item() == 3);  // the CPU is untouched by the failed attempts
}
