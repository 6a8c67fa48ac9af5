// The CUDA backend: the Backend interface (engine/backend.hpp) over the caching allocator, the
// kernels of kernels/*.cu and cuBLAS. Every call returns once its work is queued on ebm's stream,
// except the copies to the host, which wait for it, so callers see synchronous semantics; copies
// from the host go through pinned staging buffers, so the host buffer is free on return.
#include "engine/backend.hpp"
#include "kernels/allocator.hpp"
#include "kernels/kernels.hpp"
#include "kernels/runtime.hpp"
#include "kernels/staging.hpp"

namespace ebm::cuda {
namespace {

class CudaBackend final : public Backend {
 public:
  void* allocate(std::size_t bytes) const override { return cuda::allocate(bytes); }
  void deallocate(void* data) const override { check(cudaFree(data), "cudaFree"); }
  void deallocate(void* data, std::size_t bytes) const override { cuda::deallocate(data, bytes); }
  void copy_from_host(void* device_data, const void* host_data, std::size_t bytes) const override {
    upload(device_data, host_data, bytes, "copy to the GPU");
  }
  void copy_to_host(void* host_data, const void* device_data, std::size_t bytes) const override {
    if (bytes == 0) return;
    check(cudaMemcpyAsync(host_data, device_data, bytes, cudaMemcpyDeviceToHost, stream()), "copy from the GPU");
    synchronize("copy from the GPU");
  }

  void fill(Tensor& out, double value) const override { cuda::fill(out, value); }
  void convert(const Tensor& a, Tensor& out) const override { cuda::convert(a, out); }
  void unary(UnaryKernel kernel, const Tensor& a, Tensor& out) const override { cuda::unary(kernel, a, out); }
  void affine(const Tensor& a, double scale, double shift, Tensor& out) const override { cuda::affine(a, scale, shift, out); }
  void power(const Tensor& a, double exponent, Tensor& out) const override { cuda::power(a, exponent, out); }
  void clamp(const Tensor& a, double low, double high, Tensor& out) const override { cuda::clamp(a, low, high, out); }
  void binary(BinaryKernel kernel, const Tensor& a, const Tensor& b, Tensor& out) const override {
    cuda::binary(kernel, a, b, out);
  }
  void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) const override {
    cuda::where(cond, a, b, out);
  }
  void add_scaled_(Tensor& a, const Tensor& b, double scale) const override { cuda::add_scaled_(a, b, scale); }
  void silu_backward(const Tensor& g, const Tensor& a, Tensor& out) const override { cuda::silu_backward(g, a, out); }
  void silu_second_derivative(const Tensor& a, Tensor& out) const override { cuda::silu_second_derivative(a, out); }
  void silu_third_derivative(const Tensor& a, Tensor& out) const override { cuda::silu_third_derivative(a, out); }
  void adam_update_(Tensor& parameter, Tensor& first_moment, Tensor& second_moment, const Tensor& gradient,
                    const AdamCoefficients& coefficients) const override {
    cuda::adam_update_(parameter, first_moment, second_moment, gradient, coefficients);
  }
  void silu_jet(const Tensor& products, const Tensor& bias, Tensor& out) const override {
    cuda::silu_jet(products, bias, out);
  }
  void silu_jet_backward(const Tensor& g, const Tensor& products, const Tensor& bias, Tensor& out) const override {
    cuda::silu_jet_backward(g, products, bias, out);
  }
  void expand(const Tensor& a, Tensor& out) const override { cuda::expand(a, out); }
  void sum_to(const Tensor& a, Tensor& out) const override { cuda::sum_to(a, out); }
  void max_to(const Tensor& a, Tensor& out) const override { cuda::max_to(a, out); }
  void matmul(const Tensor& a, bool transpose_a, const Tensor& b, bool transpose_b, Tensor& out,
              bool accumulate) const override {
    cuda::matmul(a, transpose_a, b, transpose_b, out, accumulate);
  }
  void transpose(const Tensor& a, Tensor& out) const override { cuda::transpose(a, out); }
  void slice(const Tensor& a, int64_t dim, int64_t start, Tensor& out) const override { cuda::slice(a, dim, start, out); }
  void slice_assign(const Tensor& src, int64_t dim, int64_t start, Tensor& out) const override {
    cuda::slice_assign(src, dim, start, out);
  }
  void gather_rows(const Tensor& a, const std::vector<int64_t>& rows, Tensor& out) const override {
    cuda::gather_rows(a, rows, out);
  }
  void scatter_rows(const Tensor& src, const std::vector<int64_t>& rows, Tensor& out, bool accumulate) const override {
    cuda::scatter_rows(src, rows, out, accumulate);
  }
  void random_uniform(Tensor& out, uint64_t seed, uint64_t first_block) const override {
    cuda::random_uniform(out, seed, first_block);
  }
  void random_normal(Tensor& out, uint64_t seed, uint64_t first_block) const override {
    cuda::random_normal(out, seed, first_block);
  }
};

}  // namespace

const Backend& cuda_backend() {
  ensure_device();
  static const CudaBackend* instance = new CudaBackend();  // never destroyed, as the allocator's cache
  return *instance;
}

bool available() noexcept { return device_usable(); }

}  // namespace ebm::cuda
