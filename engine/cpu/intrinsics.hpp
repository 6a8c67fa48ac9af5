// The x86 vector intrinsics, included before Eigen by every file that includes Eigen (any may be
// compiled for AVX-512: the avx512 level, or every file in an EBM_NATIVE build).
// GCC 12's AVX-512 header starts its "undefined" vectors from themselves (`__m512 __Y = __Y;`,
// GCC bug 105593), and -Wmaybe-uninitialized reports every inlined use: hundreds of false
// warnings. They are silenced for that header's lines alone; our own code keeps the warning.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif
