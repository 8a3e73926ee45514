// zlib (Debian: zlib1g-dev), found through pkg-config `zlib`: inflate and deflate for .npz
// archives and gzipped IDX files, and crc32 for zip members.
#ifndef RANKCOLLAPSE_CZLIB_SHIM_H
#define RANKCOLLAPSE_CZLIB_SHIM_H
#include <zlib.h>

// zlib's init macros pass sizeof(z_stream) and the version; Swift cannot call macros.
static inline int rc_inflate_init2(z_streamp stream, int windowBits) {
  return inflateInit2(stream, windowBits);
}
static inline int rc_deflate_init2(z_streamp stream, int level, int windowBits) {
  return deflateInit2(stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
#endif
