// OpenBLAS's CBLAS interface (Debian: libopenblas-dev), found through pkg-config `openblas`.
#ifndef RANKCOLLAPSE_COPENBLAS_SHIM_H
#define RANKCOLLAPSE_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
