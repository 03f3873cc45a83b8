# The two commands in the README are the contract:
#   make book   set up the environment, execute every notebook, build the book
#   make test   set up the environment, run the whole test suite
# Set-up needs only Python 3.11; Debian packages are installed when missing.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.cwp-installed
NPM_STAMP := node_modules/.cwp-installed
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
$(STAMP): $(LOCK) pyproject.toml | $(NPM_STAMP)
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

# npm packages (KaTeX for the book's math, axe-core and Lighthouse for the
# browser tests and benchmarks), pinned in package-lock.json.  Debian's
# nodejs/npm are installed when missing (as root).  --ignore-scripts: no
# package may download anything at install time.
$(NPM_STAMP): package.json package-lock.json
	@if ! command -v npm >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "==> installing Debian nodejs and npm"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	fi
	@command -v npm >/dev/null 2>&1 || { echo "==> npm is missing; install Debian's nodejs and npm packages"; exit 1; }
	@echo "==> installing the pinned npm packages from package-lock.json into node_modules"
	@npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet uv
	$(BIN)/python -m uv pip compile pyproject.toml --all-extras --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu --quiet -o $(LOCK)

# Debian packages: Chromium (browser tests, the book's PDF) and fonts for its
# pages.  Installed only if missing, and only when we are root (CI and the
# project machines run as root).
BROWSER_PACKAGES := chromium fonts-dejavu-core fonts-liberation
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -q DejaVuSans; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "==> installing Debian $(BROWSER_PACKAGES) for the browser tests and the PDF"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; \
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
