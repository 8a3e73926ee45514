// libFuzzer's driver entry point (compiler-rt's FuzzerInterface.h). SwiftPM links an executable's
// own `main`, so the harnesses call the driver from it instead of using libFuzzer's `main`.
#ifndef RANKCOLLAPSE_CFUZZERDRIVER_H
#define RANKCOLLAPSE_CFUZZERDRIVER_H
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv,
                        int (*callback)(const uint8_t *data, size_t size));
#endif
