# SealRelay: `make demo` runs the product, `make test` runs every test.
SWIFT ?= swift
BIN := .build/debug
PYTHON_VENV := .venv
PY := $(PYTHON_VENV)/bin/python

.PHONY: all build demo test test-swift test-interop bench-crypto clean

all: build

build:
	$(SWIFT) build --build-tests

demo: build
	@bash scripts/demo.sh $(BIN)/seal

$(PY):
	python3 -m venv $(PYTHON_VENV)
	$(PY) -m pip install --quiet 'cryptography>=46' 'pytest>=8' 'Pillow>=10.2' mutagen

test: build $(PY)
	$(SWIFT) test --skip-build
	SEAL_BIN=$(CURDIR)/$(BIN)/seal $(PY) -m pytest -q Tests/interop Tests/scrub

bench-crypto:
	$(SWIFT) build -c release --product seal
	bash scripts/bench-crypto.sh .build/release/seal

clean:
	rm -rf .build $(PYTHON_VENV)
