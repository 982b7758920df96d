// tickerd_micro's main: Google Benchmark's, plus how this binary was built, so the JSON that
// bench/run.sh turns into RESULTS.md says what was measured.
#include <benchmark/benchmark.h>

#include <simdjson.h>

#define TICKERD_STRINGIFY_RAW(x) #x
#define TICKERD_STRINGIFY(x) TICKERD_STRINGIFY_RAW(x)

#ifndef TICKERD_BENCH_BUILD_TYPE
#define TICKERD_BENCH_BUILD_TYPE "unknown"
#endif
#ifndef TICKERD_BENCH_MARCH
#define TICKERD_BENCH_MARCH ""
#endif

int main(int argc, char** argv) {
  benchmark::AddCustomContext("tickerd_version", TICKERD_VERSION);
  benchmark::AddCustomContext("build_type", TICKERD_BENCH_BUILD_TYPE);
  benchmark::AddCustomContext("march", TICKERD_BENCH_MARCH);
  benchmark::AddCustomContext("compiler_version", __VERSION__);
  // The kernel On-Demand is compiled inline for in tickerd's translation units (by -march), which
  // is what the venue parsers run; the shared library's own builtin may differ.
  benchmark::AddCustomContext("simdjson_kernel",
                              TICKERD_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
