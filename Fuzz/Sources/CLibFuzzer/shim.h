// libFuzzer's driver entry point (compiler-rt, include/fuzzer/FuzzedDataProvider.h's companion API):
// -sanitize=fuzzer links libclang_rt.fuzzer, which defines it. We call it from our own main because
// SwiftPM links every executable target with its module's main (`--defsym main=<Module>_main`), so
// libFuzzer's main() is never pulled in.
#ifndef CLIBFUZZER_SHIM_H
#define CLIBFUZZER_SHIM_H
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
#endif
