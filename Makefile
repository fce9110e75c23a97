# Hadron keys. The interface others rely on: `make dev`, `make test`, `make build`.
#   PORT         where `make dev` listens on 127.0.0.1 (default 8787)
#   PERSIST_DIR  where `make dev` keeps the local D1 database (default .wrangler/state)

PORT ?= 8787
PERSIST_DIR ?= .wrangler/state

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Quiet, offline-friendly wrangler: no telemetry, no prompts, no fetch of cf.json.
export WRANGLER_SEND_METRICS := false
export CLOUDFLARE_CF_FETCH_ENABLED := false

WRANGLER := node_modules/.bin/wrangler
WASM_OPT := node_modules/.bin/wasm-opt
# The features rustc's wasm32 output uses, named one by one (as worker-build does) so that
# wasm-opt never emits an encoding workerd does not support yet.
WASM_FEATURES := --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int \
  --enable-bulk-memory --enable-multivalue --enable-reference-types --enable-exception-handling
TOOLS_ENV := .tools/env

.PHONY: help build build-named portal dev test test-unit test-e2e lint deploy-check promote tools clean bench soak

help:
	@echo "make dev      build, migrate the local D1 and serve on http://127.0.0.1:$(PORT)"
	@echo "make test     every check: lint, unit, end-to-end and browser tests, deploy dry-run"
	@echo "make build    the release Worker bundle in build/ and the portal in build/portal/"
	@echo "make portal   only the portal's pages (portal/ → build/portal/), without the Worker"
	@echo "make promote  EMAIL=... [ROLE=org_admin|member] change a user's role in the local D1"
	@echo "make bench    /mcp and baseline routes side by side with a plain-JS Worker (not part of make test)"
	@echo "make build-named  the Worker with WASM function names, for scripts/bench/profile.mjs --build build-named"
	@echo "make soak     60 s of concurrent mint/use/revoke with correctness checks and a restart"

# Installs the pinned tools (once) and records where they are. `npm ci` also patches
# wrangler's dev proxy (package.json "postinstall": scripts/patch-wrangler.mjs).
$(TOOLS_ENV): scripts/ensure-tools.sh Cargo.lock package-lock.json package.json scripts/patch-wrangler.mjs
	@mkdir -p .tools
	./scripts/ensure-tools.sh > $@.tmp && mv $@.tmp $@

tools: $(TOOLS_ENV)

# worker-build with the pinned wasm-bindgen and esbuild (scripts/ensure-tools.sh).
WORKER_BUILD := source $(TOOLS_ENV) && \
  WASM_BINDGEN_BIN="$$WASM_BINDGEN_BIN" ESBUILD_BIN="$(CURDIR)/scripts/esbuild-entry.mjs" \
  "$$WORKER_BUILD_BIN" --release

build: $(TOOLS_ENV)
	$(WORKER_BUILD)
	$(WASM_OPT) -Oz --strip-debug --strip-producers $(WASM_FEATURES) build/index_bg.wasm -o build/index_bg.wasm
	node scripts/build-portal.mjs

# The same Worker with its WASM function names kept (wasm-opt -g instead of --strip-debug),
# for `node scripts/bench/profile.mjs --build build-named`. Never deployed or tested.
build-named: $(TOOLS_ENV)
	$(WORKER_BUILD) --out-dir build-named
	$(WASM_OPT) -Oz -g --strip-producers $(WASM_FEATURES) build-named/index_bg.wasm -o build-named/index_bg.wasm

# The portal's static files, served as the Worker's assets (wrangler.toml [assets]).
# After worker-build, which replaces only the entries it writes and leaves build/portal/ alone.
portal:
	node scripts/build-portal.mjs

dev: build
	CI=true $(WRANGLER) d1 migrations apply DB --local --persist-to "$(PERSIST_DIR)"
	$(WRANGLER) dev --ip 127.0.0.1 --port $(PORT) --persist-to "$(PERSIST_DIR)"

lint: $(TOOLS_ENV)
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown -- -D warnings

test-unit:
	cargo test

test-e2e: build
	node scripts/check-chromium.mjs
	node --test --test-concurrency=2 tests/e2e/ $(wildcard tests/browser)

# The release bundle must be accepted by `wrangler deploy` (nothing is uploaded).
deploy-check: build
	$(WRANGLER) deploy --dry-run --outdir target/deploy-dry-run

test: lint test-unit deploy-check test-e2e

# The project and the plain-JS baseline (bench/js-baseline) side by side, without a
# debugger (Miniflare) and under wrangler dev. BENCH_ARGS: e.g. --quick, --duration 10.
bench: build
	node scripts/bench.mjs $(BENCH_ARGS)

soak: build
	node scripts/soak.mjs --duration 60 --clients 16

promote: $(TOOLS_ENV)
	node scripts/set-role.mjs --local --persist-to "$(PERSIST_DIR)" --email "$(EMAIL)" --role "$(or $(ROLE),org_admin)"

clean:
	rm -rf build build-named target/deploy-dry-run .tools
