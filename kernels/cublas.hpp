// cuBLAS, loaded on first use with dlopen instead of linked: linking it makes every process of a
// CUDA build map and relocate its 600 MB at start (0.4 s for `ebm datasets`), GPU or not.
#pragma once

#include <cublas_v2.h>

namespace ebm::cuda {

/// The cuBLAS functions the backend calls.
struct Cublas {
  decltype(&cublasCreate_v2) create;
  decltype(&cublasSetStream_v2) set_stream;
  decltype(&cublasSgemm_v2) sgemm;
  decltype(&cublasDgemm_v2) dgemm;
  decltype(&cublasGetStatusString) status_string;
  decltype(&cublasGetStatusName) status_name;
};

/// The library, loaded the first time (libcublas.so.<major> from the loader's search path, else
/// the one this build was configured with); throws std::runtime_error saying what is missing.
const Cublas& cublas();

}  // namespace ebm::cuda
