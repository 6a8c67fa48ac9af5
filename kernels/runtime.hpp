// The CUDA runtime as the backend uses it: one device, one stream, every call checked. Private to
// kernels/: no installed header includes a CUDA header.
#pragma once

#include <cuda_runtime.h>

#include <string>

namespace ebm::cuda {

/// Throws std::runtime_error "CUDA error in OP: MESSAGE (NAME)" unless status is cudaSuccess.
void check(cudaError_t status, const char* op);
/// Checks the launch that just happened (a kernel launch returns no status of its own). With
/// EBM_CUDA_SYNC=1 in the environment it also waits for the kernel to finish, so that a fault
/// inside it is reported here, naming `op`, instead of at the next copy.
void check_launch(const char* op);

/// Selects the device on first use; throws std::runtime_error saying why when this machine has
/// no usable GPU (no driver, no device, or a driver too old for this build).
void ensure_device();
/// True when ensure_device() would succeed; never throws.
bool device_usable() noexcept;
/// "NVIDIA H200, compute capability 9.0, 139.8 GiB, driver 580.159.03 (CUDA 13.0),
/// runtime CUDA 13.0", or why there is none.
std::string device_description();

/// cudaSuccess when this build's kernels have an image for the selected GPU (kernels/probe.cu).
cudaError_t kernel_image_status();

/// The stream every kernel, copy and cuBLAS call of ebm runs on, in order.
cudaStream_t stream();
/// Waits for everything queued on the stream.
void synchronize(const char* op);

}  // namespace ebm::cuda
