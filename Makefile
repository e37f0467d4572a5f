# SealRelay: `make demo` runs the product, `make test` runs every test.
SWIFT ?= swift
BIN := .build/debug
PYTHON_VENV := .venv
PY := $(PYTHON_VENV)/bin/python

.PHONY: all deps test-deps bench-deps fuzz fuzz-coverage build demo demo-offline test bench-crypto bench-relay bench-scrub bench-abuse bench-network bench-page clean

all: build

# Debian packages: installed when missing (as root), or the exact apt-get line is printed.
deps:
	@bash scripts/install-deps.sh build

test-deps:
	@bash scripts/install-deps.sh test

bench-deps:
	@bash scripts/install-deps.sh bench

build: deps
	$(SWIFT) build --build-tests

# A relay with demo keys on https://127.0.0.1:8443; it prints the commands to try.
demo: build
	$(BIN)/sealrelayd demo

# The offline round trip: keys, bundle, encrypt, open; no network.
demo-offline: build
	@bash scripts/demo.sh $(BIN)/seal

$(PY):
	python3 -m venv $(PYTHON_VENV)
	$(PY) -m pip install --quiet 'cryptography>=46' 'pytest>=8' 'Pillow>=10.2' mutagen selenium websockets \
		python-docx openpyxl python-pptx 'pypdf>=5' reportlab

# The relay suites run in a test process of their own: the CLI suites wait for `seal` on
# Swift's cooperative threads (as many as the cores), and in one process with them the
# in-process relays starved (CI: no test ended for 18 s, an idle-upload sweep never ran).
test: test-deps build $(PY)
	$(SWIFT) test --skip-build --skip SealRelayTests
	$(SWIFT) test --skip-build --filter SealRelayTests
	SEAL_TEST_STORAGE=postgresql $(SWIFT) test --skip-build --filter SealRelayTests --skip 'SealRelayTests\.Storage'
	bash scripts/check-daemon-links.sh $(BIN)/sealrelayd $(BIN)/seal
	SEAL_BIN=$(CURDIR)/$(BIN)/seal SEALRELAYD_BIN=$(CURDIR)/$(BIN)/sealrelayd \
		FIREFOX_140=/opt/firefox-esr-140/usr/lib/firefox-esr/firefox-esr $(PY) -m pytest -q Tests/interop Tests/scrub Tests/web Tests/deploy

# Every libFuzzer target in Fuzz/ for FUZZ_SECONDS each (CI runs them briefly; a release
# wants 1800). Findings are kept in .artifacts/fuzz/.
FUZZ_SECONDS ?= 60
fuzz: deps
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

# The lines each target has reached in its own parser, replaying the corpora (llvm-cov).
fuzz-coverage: deps
	bash scripts/fuzz-coverage.sh

bench-crypto: bench-deps
	$(SWIFT) build -c release --product seal
	bash scripts/bench-crypto.sh .build/release/seal

bench-scrub: bench-deps $(PY)
	$(SWIFT) build -c release --product seal
	PYTHON=$(PY) bash scripts/bench-scrub.sh .build/release/seal

bench-relay: bench-deps
	$(SWIFT) build -c release --product sealrelayd
	$(SWIFT) build -c release --product seal
	bash scripts/bench-relay.sh .build/release/sealrelayd .build/release/seal
	bash scripts/bench-relay/quota_check.sh

# What a flood costs the relay and what proof of work costs a source (Tests/web/bench_abuse.py).
bench-abuse: test-deps $(PY)
	$(SWIFT) build -c release --product sealrelayd
	$(SWIFT) build -c release --product seal
	SEAL_BIN=$(CURDIR)/.build/release/seal SEALRELAYD_BIN=$(CURDIR)/.build/release/sealrelayd $(PY) Tests/web/bench_abuse.py

# How fast the page seals a large file in Chromium, against its parts (Tests/web/bench_page.py).
bench-page: test-deps $(PY)
	$(SWIFT) build -c release --product sealrelayd
	$(SWIFT) build -c release --product seal
	SEAL_BIN=$(CURDIR)/.build/release/seal SEALRELAYD_BIN=$(CURDIR)/.build/release/sealrelayd $(PY) Tests/web/bench_page.py

bench-network:
	$(SWIFT) build -c release --product sealrelayd
	$(SWIFT) build -c release --product seal
	bash scripts/bench-network.sh .build/release/sealrelayd .build/release/seal

clean:
	rm -rf .build $(PYTHON_VENV)
