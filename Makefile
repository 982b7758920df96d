# tickerd's two commands: `make demo` and `make test` (see README.md). Everything else is a
# convenience around CMake presets.
.PHONY: demo test build deps test-deps asan bench format format-check tidy clean

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

# Soak (bench tooling, not CI): tickerd with all five venues, 5,000 clients of five kinds with
# churn, a Redis restart, a venue fault and a rate burst every few minutes, sampled each second;
# ends with a verdict (exit 1 when it fails) in $(SOAK_DIR)/soak.json. MINUTES=2 tries it
# briefly; SOAK_ARGS passes tickerd-soak options (e.g. --clients 500 --fault-interval 60).
.PHONY: soak
MINUTES ?= 30
SOAK_ARGS ?=
SOAK_DIR ?= build/bench
soak:
	@scripts/install-deps.sh bench
	@cmake --preset bench -B $(SOAK_DIR) >/dev/null
	@cmake --build $(SOAK_DIR) -j $(JOBS) --target tickerd-soak
	@$(SOAK_DIR)/bench/tickerd-soak --minutes $(MINUTES) --json $(SOAK_DIR)/soak.json $(SOAK_ARGS)

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

format-check:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

# clang-tidy (.clang-tidy) on the src/ .cpp files changed since origin/main (HEAD~1 when there
# is no origin/main), uncommitted and new files included; TIDY_ALL=1 checks all of src/. Needs
# only a configured clang compile database, without PCH (its .pch files would not exist). Not
# part of `make test`: all of src/ takes about 6 minutes on two cores.
TIDY_DIR ?= build/tidy
tidy:
	@cmake -S . -B $(TIDY_DIR) -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
	  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON \
	  -DTICKERD_BUILD_TESTS=OFF >/dev/null
	@if [ "$(TIDY_ALL)" = 1 ]; then \
	  files=$$(git ls-files 'src/*.cpp'); \
	else \
	  base=$$(git rev-parse -q --verify origin/main || git rev-parse HEAD~1) || exit 1; \
	  files=$$( (git diff --name-only --diff-filter=d $$base -- 'src/*.cpp'; \
	    git ls-files --others --exclude-standard 'src/*.cpp') | sort -u); \
	fi; \
	if [ -z "$$files" ]; then echo "tidy: no changed .cpp files under src/"; exit 0; fi; \
	echo "tidy: $$(echo $$files | wc -w) files"; \
	run-clang-tidy -quiet -p $(TIDY_DIR) -j $(JOBS) \
	  $$(printf '%s\n' $$files | sed 's/[.]/\\./g; s|^|/|; s|$$|$$|')

clean:
	rm -rf build
