# rankscope — the two commands: `make serve` (build and serve the app) and `make test` (every test).
# Everything a fresh machine lacks is installed by `make setup` (called by both).

WASM_BINDGEN_VERSION := 0.2.130
PORT ?= 8000
CARGO ?= cargo
WASM_TARGET := wasm32-unknown-unknown
WASM_OUT := target/$(WASM_TARGET)/release/rankscope.wasm
FMA_DIR := target/relaxed-simd
FMA_OUT := $(FMA_DIR)/$(WASM_TARGET)/release/rankscope.wasm
PKG := www/pkg
E2E := tests/e2e
CHROMIUM ?= /usr/bin/chromium

.PHONY: setup setup-rust setup-browser setup-bench wasm serve build test test-native test-wasm test-e2e lint bench clean

## setup: the wasm32 target and wasm-bindgen-cli at exactly the crate's version.
setup-rust:
	@rustup target list --installed | grep -qx $(WASM_TARGET) || rustup target add $(WASM_TARGET)
	@wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" || \
		$(CARGO) install wasm-bindgen-cli --version =$(WASM_BINDGEN_VERSION)

## setup-browser: Debian's Chromium and the e2e tests' npm packages.
setup-browser:
	@test -x $(CHROMIUM) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	@test -d $(E2E)/node_modules/playwright-core || (cd $(E2E) && npm ci --no-audit --no-fund)

setup: setup-rust

## wasm: release build with SIMD (see .cargo/config.toml), bindings into www/pkg; then the same
## code with relaxed SIMD (fused multiply-add) as www/pkg/rankscope_fma_bg.wasm, which the page
## loads where the browser supports it. Both builds share one JS glue (checked identical).
## The function-name section (80 KB of the 620, a tenth of the gzipped size) is debugging data
## only; `make wasm BINDGEN_FLAGS=` keeps it, for profiles and stack traces with Rust names.
BINDGEN_FLAGS ?= --remove-name-section --remove-producers-section
wasm: setup-rust
	$(CARGO) build --release --target $(WASM_TARGET) --lib
	wasm-bindgen --target web --no-typescript $(BINDGEN_FLAGS) --out-dir $(PKG) $(WASM_OUT)
	RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" \
		$(CARGO) build --release --target $(WASM_TARGET) --lib --target-dir $(FMA_DIR)
	wasm-bindgen --target web --no-typescript $(BINDGEN_FLAGS) --out-dir $(FMA_DIR)/pkg $(FMA_OUT)
	cmp $(FMA_DIR)/pkg/rankscope.js $(PKG)/rankscope.js
	cp $(FMA_DIR)/pkg/rankscope_bg.wasm $(PKG)/rankscope_fma_bg.wasm

## serve: build, then serve the app on $(PORT) (default 8000).
serve: wasm
	python3 tools/serve.py --root . --port $(PORT)

## build: the app as a self-contained static site in dist/ (index.html at its root).
build: wasm
	rm -rf dist
	mkdir -p dist/www/pkg
	cp index.html dist/
	cp www/*.js www/*.css www/*.svg dist/www/
	cp $(PKG)/rankscope.js $(PKG)/rankscope_bg.wasm $(PKG)/rankscope_fma_bg.wasm dist/www/pkg/
	@echo "dist/ is ready for any static host"

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy --target $(WASM_TARGET) --lib --tests -- -D warnings

test-native:
	$(CARGO) test

## test-wasm: tests/web.rs under Node with wasm-bindgen-test-runner, for both builds (the
## relaxed-SIMD one needs Node 20's --experimental-wasm-relaxed-simd).
test-wasm: setup-rust
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
		$(CARGO) test --target $(WASM_TARGET) --test web
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
		NODE_ARGS=--experimental-wasm-relaxed-simd \
		RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" \
		$(CARGO) test --target $(WASM_TARGET) --test web --target-dir $(FMA_DIR)

## test-e2e: the page in headless Chromium.
test-e2e: build setup-browser
	cd $(E2E) && CHROMIUM=$(CHROMIUM) node --test --test-concurrency=1

## test: every test — lints, native, wasm, browser.
test: lint test-native test-wasm test-e2e

## setup-bench: numpy for the baseline the benchmark compares against.
setup-bench:
	@python3 -c "import numpy" 2>/dev/null || pip install --quiet numpy

## bench: the core against numpy on the performance workloads (prints ratios), then the page's
## latency in headless Chromium.
bench: wasm setup-browser setup-bench
	$(CARGO) build --release
	python3 bench/bench.py
	CHROMIUM=$(CHROMIUM) node bench/page_bench.mjs

clean:
	rm -rf target $(PKG) dist
