#include "kernels/cublas.hpp"

#include <dlfcn.h>

#include <stdexcept>
#include <string>

namespace ebm::cuda {
namespace {

void* open_library() {
  const std::string soname = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
  for (const std::string& name : {soname, std::string(EBM_CUBLAS_LIBRARY)}) {
    if (void* library = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL)) return library;
  }
  throw std::runtime_error("CUDA: could not load cuBLAS (" + soname + ", or " + EBM_CUBLAS_LIBRARY + " as configured): " +
                           dlerror() + "; matmul on the GPU needs it");
}

template <class Function>
Function symbol(void* library, const char* name) {
  void* address = dlsym(library, name);
  if (address == nullptr) throw std::runtime_error(std::string("CUDA: cuBLAS has no function ") + name + ": " + dlerror());
  return reinterpret_cast<Function>(address);
}

}  // namespace

const Cublas& cublas() {
  static const Cublas functions = [] {
    void* library = open_library();  // kept open for the process
    return Cublas{symbol<decltype(&cublasCreate_v2)>(library, "cublasCreate_v2"),
                  symbol<decltype(&cublasSetStream_v2)>(library, "cublasSetStream_v2"),
                  symbol<decltype(&cublasSgemm_v2)>(library, "cublasSgemm_v2"),
                  symbol<decltype(&cublasDgemm_v2)>(library, "cublasDgemm_v2"),
                  symbol<decltype(&cublasGetStatusString)>(library, "cublasGetStatusString"),
                  symbol<decltype(&cublasGetStatusName)>(library, "cublasGetStatusName")};
  }();
  return functions;
}

}  // namespace ebm::cuda
