# tickerd's two commands: `make demo` and `make test` (see README.md). Everything else is a
# convenience around CMake presets.
.PHONY: demo test build deps test-deps asan bench format format-check clean

JOBS ?= $(shell nproc)
PRESET ?= release
BUILD_DIR := build/$(PRESET)

# Installs what is missing, builds in Release, starts tickerd-sim and tickerd on loopback.
demo: deps build
	@scripts/demo.sh $(BUILD_DIR)

# Installs what is missing, builds everything, runs every test with ctest.
test: test-deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET) -j $(JOBS)
	@ctest --preset $(PRESET) -j 1

build:
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET) -j $(JOBS) --target tickerd tickerd-sim

deps:
	@scripts/install-deps.sh build

test-deps:
	@scripts/install-deps.sh test

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: test-deps
	@$(MAKE) --no-print-directory test PRESET=asan-ubsan

# Builds only the benchmark binaries (Release) and runs the standard set, micro-benchmarks then
# the load scenarios (tickerd-bench; bench/run.sh installs the Node peer with npm ci), in under
# ten minutes on two cores: bench/RESULTS.md. BENCH_LOAD=0 or BENCH_MICRO=0 runs one half.
BENCH_DIR ?= build/bench
bench:
	@scripts/install-deps.sh bench
	@cmake --preset bench -B $(BENCH_DIR) >/dev/null
	@cmake --build $(BENCH_DIR) -j $(JOBS) --target benchmarks
	@BENCH_INVOCATION="make bench JOBS=$(JOBS) BENCH_DIR=$(BENCH_DIR)" bench/run.sh $(BENCH_DIR)

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

format-check:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

clean:
	rm -rf build
