// EBM_HOST_DEVICE marks functions that CUDA kernels and the CPU share: __host__ __device__ under
// nvcc, nothing elsewhere. Such functions are plain portable code (no std:: containers, no throw).
#pragma once

#if defined(__CUDACC__)
#define EBM_HOST_DEVICE __host__ __device__
#else
#define EBM_HOST_DEVICE
#endif
