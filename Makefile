# tickerd's two commands: `make demo` and `make test` (see README.md). Everything else is a
# convenience around CMake presets.
.PHONY: demo test test-release build deps test-deps asan tsan bench format format-check tidy clean

JOBS ?= $(shell nproc)
PRESET ?= release
BUILD_DIR := build/$(PRESET)

# Installs what is missing, builds in Release, starts tickerd-sim and tickerd on loopback.
demo: deps build
	@scripts/demo.sh $(BUILD_DIR)

# Installs what is missing, then runs these stages in order, each in its own build directory;
# the first failure stops it (CI runs exactly this, .ci/run):
#   test-release  the Release build and every test (unit, integration, the dashboard in Chromium)
#   asan          unit and integration tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   tsan          the integration tests that run several threads, under ThreadSanitizer
#   fuzz-ci       every libFuzzer target for a fixed number of executions from its corpus
TEST_STAGES := test-release asan tsan fuzz-ci

test: test-deps
	@for stage in $(TEST_STAGES); do \
	  start=$$(date +%s); \
	  $(MAKE) --no-print-directory $$stage || { echo "make test: $$stage FAILED"; exit 1; }; \
	  echo "make test: $$stage passed in $$(( $$(date +%s) - start )) s"; \
	done

# Builds everything in build/$(PRESET) (Release), runs every test with ctest.
test-release: test-deps
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

# The sanitizer stages build only what their tests need (no benchmarks, no browser test: the
# dashboard's page is JavaScript, and the server under it is the one the integration tests
# drive), at -O1 (presets asan-ubsan and tsan). A report fails the test that provoked it, also
# when it comes from a tickerd or tickerd-sim the test started: the test presets set the
# sanitizers' options (exit status 66) for every process, and the harness fails a test whose
# child printed a report or exited 66 (tests/integration/harness.hpp).

# Every unit and integration test under ASan + UBSan (and LSan, at each process's exit). The
# unit tests run in one process (unit.all: a sanitized process is slow to start); the
# integration tests are RUN_SERIAL (tests/CMakeLists.txt): alone.
ASAN_TESTS := ^(unit|integration)[.]
asan: test-deps
	@cmake --preset asan-ubsan >/dev/null
	@cmake --build --preset asan-ubsan -j $(JOBS) --target unit_tests integration_tests
	@ctest --preset asan-ubsan -j $(JOBS) -R '$(ASAN_TESTS)'

# ThreadSanitizer, with Asio and Beast (tickerd_net) and the test harness compiled with it so
# that it sees their synchronisation. The tests that run more than one thread: each starts a
# tickerd with an ingest thread and 2 gateway shards (stack_options::shards), or runs a feed
# session against a scripted upstream on another thread:
#   end_to_end, end_to_end_protocol  clients on both shards; every update crosses ingest -> shards
#   end_to_end_websocket             framing, keepalive and shutdown on the shard threads
#   end_to_end_slow_client           conflation and closing while ingest keeps posting
#   redis_e2e                        the Redis link on the ingest thread: warm start, outages,
#                                    edges and failover, with the shards serving clients
#   feed_session                     reconnects, rollover and stop() beside the upstream's thread
#   e2e_tls, e2e_auth                SIGHUP swaps the TLS context and the token verifier (signal
#                                    thread) while the shards take them for new connections
#   e2e_sse                          event streams delivered by the shards, as WebSocket clients
#   e2e_metrics                      scrapes summing every shard's and the ingest thread's counters,
#                                    on the client port and on the [metrics] listener's own thread
#   e2e_ops                          SIGHUP posts new limits to every shard and sets the log level
#                                    while the shards serve; the watchdog probes every shard's loop
# Left out, as they add input but no thread: the single-shard replays, the sim's fault matrix,
# gas/F&G/almanac sources, and redis_fixture (the Redis link alone, on the test's thread).
# ASan runs all of them.
TSAN_TESTS := ^integration[.](end_to_end|end_to_end_protocol|end_to_end_websocket|end_to_end_slow_client|redis_e2e|feed_session|e2e_tls|e2e_auth|e2e_sse|e2e_metrics|e2e_ops)[.]
# GCC 12's TSan puts its shadow memory at fixed addresses and aborts ("FATAL: ThreadSanitizer:
# unexpected memory mapping") where the kernel randomises mmap with more than 28 bits
# (vm.mmap_rnd_bits = 32 on recent Ubuntu kernels, as on CI runners). `setarch -R` turns address
# randomisation off for the build (gtest_discover_tests runs the test binary) and the tests and
# everything they start; where a container forbids that, root lowers vm.mmap_rnd_bits to 28.
NO_ASLR := $(shell setarch $$(uname -m) -R true 2>/dev/null && echo setarch $$(uname -m) -R)
tsan: test-deps
	@if [ -z "$(NO_ASLR)" ] && [ "$$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 0)" -gt 28 ]; then \
	  echo "tsan: setarch -R is not permitted here; setting vm.mmap_rnd_bits=28"; \
	  $$([ "$$(id -u)" -eq 0 ] || echo sudo -n) sysctl -qw vm.mmap_rnd_bits=28 || exit 1; \
	fi
	@cmake --preset tsan >/dev/null
	@$(NO_ASLR) cmake --build --preset tsan -j $(JOBS) --target integration_tests
	@$(NO_ASLR) ctest --preset tsan -j 1 -R '$(TSAN_TESTS)'

# Builds only the benchmark binaries (Release) and runs the standard set, micro-benchmarks then
# the load scenarios (tickerd-bench; bench/run.sh installs the Node peer with npm ci), in under
# ten minutes on two cores: bench/RESULTS.md. BENCH_LOAD=0 or BENCH_MICRO=0 runs one half.
# BENCH_MARKET=1 adds the market scenarios, issue 17's trades and bbo and issue 18's book and
# book_composed (with the CCXT Pro peer; about 4 minutes, their own section).
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

# The multi-node rehearsal (docs/OPERATIONS.md): redis, tickerd-sim, two ingest nodes, two edges
# and clients, each on its own network namespace; kills the active ingest node, cuts an edge off
# Redis, drains an edge and restarts Redis, and prints what each step measured. Needs root.
.PHONY: rehearse
rehearse: test-deps build
	@deploy/rehearsal/rehearse.sh $(BUILD_DIR)

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

# libFuzzer (clang): every target in tests/fuzz/targets.txt, built into $(FUZZ_DIR). fuzz-ci runs
# each a fixed number of executions from its committed corpus (about 5 minutes on two cores, build
# included); a finding fails it and is saved under tests/fuzz/regressions/. `make fuzz SECONDS=N`
# runs each for N seconds and keeps new inputs in $(FUZZ_DIR)/corpus. tests/fuzz/README.md.
.PHONY: fuzz fuzz-ci
FUZZ_DIR ?= build/fuzz
SECONDS ?= 60
fuzz-ci: test-deps
	@FUZZ_DIR=$(FUZZ_DIR) JOBS=$(JOBS) tests/fuzz/run.sh ci

fuzz: test-deps
	@FUZZ_DIR=$(FUZZ_DIR) JOBS=$(JOBS) tests/fuzz/run.sh long $(SECONDS)

clean:
	rm -rf build
