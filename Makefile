# The two commands in the README are the contract:
#   make book   set up the environment, execute every notebook, build the book
#   make test   set up the environment, run the whole test suite
# Set-up needs only Python 3.11; Debian packages are installed when missing.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.cwp-installed
LOCK   := requirements.lock
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
PYTEST_ARGS ?=

.PHONY: setup book test lab bench synth validate lock sysdeps browser-deps clean help

help:
	@echo "make book   - set up .venv and build the Jupyter Book (book/_build/html)"
	@echo "make test   - set up .venv and run the whole test suite"
	@echo "make lab    - start JupyterLab on notebooks/"
	@echo "make bench  - run the benchmarks and write benchmarks/results.json"
	@echo "make lock   - regenerate $(LOCK) from pyproject.toml"

# --- environment -----------------------------------------------------------
# uv installs the lock about 20x faster than pip; pip is the fallback.
$(STAMP): $(LOCK) pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> installing the pinned environment from $(LOCK) into $(VENV)"
	@if $(BIN)/python -m pip install --quiet --disable-pip-version-check uv 2>/dev/null \
	    && $(BIN)/python -m uv --version >/dev/null 2>&1; then \
	  $(BIN)/python -m uv pip sync --quiet --compile-bytecode --python $(BIN)/python $(LOCK) && \
	  $(BIN)/python -m uv pip install --quiet --python $(BIN)/python --no-deps -e . ; \
	else \
	  echo "==> uv unavailable, falling back to pip"; \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check -r $(LOCK) && \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e . ; \
	fi
	@$(BIN)/python -m ipykernel install --sys-prefix --name cwp-analysis \
	  --display-name "Python (cwp-analysis)" >/dev/null
	@touch $@

setup: $(STAMP)

lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet uv
	$(BIN)/python -m uv pip compile pyproject.toml --all-extras --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu --quiet -o $(LOCK)

# Debian packages: Chromium for the browser tests.  Installed only if missing,
# and only when we are root (CI and the project machines run as root).
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "==> installing Debian chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "==> chromium is missing; install Debian's 'chromium' package for the browser tests"; \
	  fi; \
	fi

sysdeps: browser-deps

# --- the contract ----------------------------------------------------------
book: $(STAMP)
	$(BIN)/cwp build --jobs $(JOBS)

test: $(STAMP) sysdeps
	$(BIN)/python -m pytest -n $(JOBS) $(PYTEST_ARGS)

# --- conveniences ----------------------------------------------------------
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/python -m benchmarks

synth: $(STAMP)
	$(BIN)/cwp synth --out data/synthetic

validate: $(STAMP)
	$(BIN)/cwp validate data/synthetic/survey_SYNTHETIC.csv

clean:
	rm -rf book/_build .cwp-cache .pytest_cache
