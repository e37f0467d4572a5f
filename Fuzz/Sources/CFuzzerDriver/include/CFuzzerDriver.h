#ifndef C_FUZZER_DRIVER_H
#define C_FUZZER_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver, exported by the runtime that `-sanitize=fuzzer` links. SwiftPM gives
/// every executable an entry point of its own naming, so the targets cannot rely on
/// libFuzzer's `main`: each calls the driver from its own.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
