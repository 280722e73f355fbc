# The two commands README.md promises: `make run` and `make test`. Both
# install what is missing (Debian packages, scripts/install-deps.sh), build
# a Release tree in ./build, then run.
BUILD_DIR ?= build
JOBS ?= 2
PORT ?= 6379
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all deps configure build run test install bench bench-guard soak fuzz lint clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	@mkdir -p data
	./$(BUILD_DIR)/bin/cairn-server --port $(PORT) --dir ./data

# cairn-server, cairn, cairn-check, a commented cairn.conf and the systemd unit
# (packaging/install.sh says where).
install: build
	@packaging/install.sh $(BUILD_DIR) $(PREFIX) $(DESTDIR)

test: build
	@scripts/check-layers.sh
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600

bench: build
	bench/compare.sh
	bench/durable.sh
	bench/snapshot.sh
	bench/memory.sh
	bench/collections.sh
	bench/lazyfree.sh
	bench/info_cost.sh
	bench/tls.sh
	bench/replication.sh
	bench/replication_away.sh
	bench/tools.sh
	bench/guard.sh

# Fails loudly when durable 1-client SETs fall below redis-server's here.
bench-guard: build
	bench/guard.sh

# Long runs that do not belong in `make test`.
soak: build
	CYCLES=200 /usr/bin/python3 tests/crash/crash_test.py $(BUILD_DIR)/bin/cairn-server
	/usr/bin/python3 tests/compat/random_test.py --cairn $(BUILD_DIR)/bin/cairn-server --seeds 50
	/usr/bin/python3 tests/compat/random_test.py --cairn $(BUILD_DIR)/bin/cairn-server --seeds 20 --seed 5001 --cold
	/usr/bin/python3 tests/compat/blocking_random_test.py --cairn $(BUILD_DIR)/bin/cairn-server --seeds 30 --seed 101

fuzz: build
	DURATION=300 /usr/bin/python3 tests/fuzz/protocol_fuzz.py $(BUILD_DIR)/bin/cairn-server

lint: configure
	@scripts/check-layers.sh

clean:
	rm -rf $(BUILD_DIR)
