// The CPU's fused kernels against their composite fallbacks, and the composites against the op
// table's independent references (through a backend that overrides nothing).
#include "fused_checks.hpp"

// Run again at every CPU kernel level this machine has (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("kernels");

namespace {

using namespace ebm;

/// The CPU's primitives with every fused kernel left to its composite fallback: what a new device
/// runs before it overrides anything.
class PrimitivesOnly final : public Backend {
 public:
  explicit PrimitivesOnly(const Backend& cpu) : cpu_(cpu) {}
  void* allocate(std::size_t bytes) const override { return cpu_.allocate(bytes); }
  void deallocate(void* data) const override { cpu_.deallocate(data); }
  void deallocate(void* data, std::size_t bytes) const override { cpu_.deallocate(data, bytes); }
  void copy_from_host(void* device_data, const void* host_data, std::size_t bytes) const override {
    cpu_.copy_from_host(device_data, host_data, bytes);
  }
  void copy_to_host(void* host_data, const void* device_data, std::size_t bytes) const override {
    cpu_.copy_to_host(host_data, device_data, bytes);
  }
  void fill(Tensor& out, double value) const override { cpu_.fill(out, value); }
  void convert(const Tensor& a, Tensor& out) const override { cpu_.convert(a, out); }
  void unary(UnaryKernel kernel, const Tensor& a, Tensor& out) const override { cpu_.unary(kernel, a, out); }
  void affine(const Tensor& a, double scale, double shift, Tensor& out) const override { cpu_.affine(a, scale, shift, out); }
  void power(const Tensor& a, double exponent, Tensor& out) const override { cpu_.power(a, exponent, out); }
  void clamp(const Tensor& a, double low, double high, Tensor& out) const override { cpu_.clamp(a, low, high, out); }
  void binary(BinaryKernel kernel, const Tensor& a, const Tensor& b, Tensor& out) const override { cpu_.binary(kernel, a, b, out); }
  void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) const override { cpu_.where(cond, a, b, out); }
  void add_scaled_(Tensor& a, const Tensor& b, double scale) const override { cpu_.add_scaled_(a, b, scale); }
  void expand(const Tensor& a, Tensor& out) const override { cpu_.expand(a, out); }
  void sum_to(const Tensor& a, Tensor& out) const override { cpu_.sum_to(a, out); }
  void max_to(const Tensor& a, Tensor& out) const override { cpu_.max_to(a, out); }
  void matmul(const Tensor& a, bool ta, const Tensor& b, bool tb, Tensor& out, bool accumulate) const override {
    cpu_.matmul(a, ta, b, tb, out, accumulate);
  }
  void transpose(const Tensor& a, Tensor& out) const override { cpu_.transpose(a, out); }
  void slice(const Tensor& a, int64_t dim, int64_t start, Tensor& out) const override { cpu_.slice(a, dim, start, out); }
  void slice_assign(const Tensor& src, int64_t dim, int64_t start, Tensor& out) const override {
    cpu_.slice_assign(src, dim, start, out);
  }
  void gather_rows(const Tensor& a, const std::vector<int64_t>& rows, Tensor& out) const override { cpu_.gather_rows(a, rows, out); }
  void scatter_rows(const Tensor& src, const std::vector<int64_t>& rows, Tensor& out, bool accumulate) const override {
    cpu_.scatter_rows(src, rows, out, accumulate);
  }
  void random_uniform(Tensor& out, uint64_t seed, uint64_t first_block) const override { cpu_.random_uniform(out, seed, first_block); }
  void random_normal(Tensor& out, uint64_t seed, uint64_t first_block) const override { cpu_.random_normal(out, seed, first_block); }

 private:
  const Backend& cpu_;
};

}  // namespace

TEST_CASE("fused kernels on the CPU agree with their composites in primitives, in both dtypes") {
  for (DType dtype : {DType::Float64, DType::Float32}) {
    CAPTURE(dtype_name(dtype));
    ebm::testing::check_fused_kernels(Device::CPU, dtype);
  }
}

TEST_CASE("a backend of primitives only runs every fused kernel by its composite, with the CPU's results") {
  const PrimitivesOnly primitives(backend(Device::CPU));
  const Tensor a = ebm::testing::sample_input({4, 7}, -3, 3, {}, 11);
  Tensor out = empty(a.shape(), DType::Float64);
  primitives.silu_second_derivative(a, out);  // the base class's default: the composite
  const std::vector<double> x = a.to_vector(), y = out.to_vector();
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double sigma = 1 / (1 + std::exp(-x[i])), s = sigma * (1 - sigma);
    CHECK(y[i] == doctest::Approx(s * (2 + x[i] * (1 - 2 * sigma))).epsilon(1e-12));  // silu″ = s(2 + at)
  }
  const Tensor products = ebm::testing::sample_input({4, 3, 5}, -2, 2, {}, 12), bias = ebm::testing::sample_input({5}, -1, 1, {}, 13);
  Tensor jet = empty(products.shape(), DType::Float64);
  primitives.silu_jet(products, bias, jet);
  CHECK(ebm::testing::max_relative_error(jet.to_vector(), silu_jet(products, bias).to_vector()) < 1e-12);
}

TEST_SUITE_END();
