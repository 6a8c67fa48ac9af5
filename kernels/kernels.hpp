// The CUDA kernels, one host function each: they take tensors that live on the GPU, launch on
// ebm's stream and return without waiting. kernels/cuda_backend.cpp maps the Backend interface
// onto them; the contract of each is that of the Backend virtual of the same name
// (engine/backend.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/backend.hpp"
#include "engine/tensor.hpp"

namespace ebm::cuda {

// kernels/elementwise.cu
void fill(Tensor& out, double value);
void convert(const Tensor& a, Tensor& out);
void unary(UnaryKernel kernel, const Tensor& a, Tensor& out);
void affine(const Tensor& a, double scale, double shift, Tensor& out);
void power(const Tensor& a, double exponent, Tensor& out);
void clamp(const Tensor& a, double low, double high, Tensor& out);
void binary(BinaryKernel kernel, const Tensor& a, const Tensor& b, Tensor& out);
void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out);
void add_scaled_(Tensor& a, const Tensor& b, double scale);
void expand(const Tensor& a, Tensor& out);

// kernels/reduction.cu
void sum_to(const Tensor& a, Tensor& out);
void max_to(const Tensor& a, Tensor& out);

// kernels/layout.cu
void transpose(const Tensor& a, Tensor& out);
void slice(const Tensor& a, int64_t dim, int64_t start, Tensor& out);
void slice_assign(const Tensor& src, int64_t dim, int64_t start, Tensor& out);
void gather_rows(const Tensor& a, const std::vector<int64_t>& rows, Tensor& out);
void scatter_rows(const Tensor& src, const std::vector<int64_t>& rows, Tensor& out, bool accumulate);

// kernels/fused.cu
void silu_backward(const Tensor& g, const Tensor& a, Tensor& out);
void silu_second_derivative(const Tensor& a, Tensor& out);
void silu_third_derivative(const Tensor& a, Tensor& out);
void adam_update_(Tensor& parameter, Tensor& first_moment, Tensor& second_moment, const Tensor& gradient,
                  const AdamCoefficients& coefficients);
void silu_jet(const Tensor& products, const Tensor& bias, Tensor& out);
void silu_jet_backward(const Tensor& g, const Tensor& products, const Tensor& bias, Tensor& out);

// kernels/random.cu
void random_uniform(Tensor& out, uint64_t seed, uint64_t first_block);
void random_normal(Tensor& out, uint64_t seed, uint64_t first_block);

// kernels/matmul.cpp (cuBLAS)
void matmul(const Tensor& a, bool transpose_a, const Tensor& b, bool transpose_b, Tensor& out, bool accumulate);

}  // namespace ebm::cuda
