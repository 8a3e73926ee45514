// LAPACKE, the C interface to LAPACK (Debian: liblapacke-dev), found through pkg-config `lapacke`.
#ifndef RANKCOLLAPSE_CLAPACKE_SHIM_H
#define RANKCOLLAPSE_CLAPACKE_SHIM_H
#include <lapacke.h>

// `lapack_int` is a macro, which Swift cannot import; this typedef gives it a name Swift sees.
typedef lapack_int rc_lapack_int;
#endif
