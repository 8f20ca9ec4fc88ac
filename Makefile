# Two commands set up and run everything on a fresh Debian/Ubuntu machine:
#   make demo   — the main job on the bundled sandbox marketplace
#   make test   — the whole test suite
# Both build on `make install`, which only sets up.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# System packages the crawler (Chromium), distributed crawling (Redis), reports (CJK fonts,
# pdftoppm) and their tests need. Installed only when running as root and missing.
APT_PACKAGES := chromium redis-server fonts-noto-cjk poppler-utils

.PHONY: install system-deps python-deps model demo test bench clean

install: system-deps python-deps model

system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	[ -d /usr/share/fonts/opentype/noto ] || missing="$$missing fonts-noto-cjk"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing system packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "warning: missing system packages:$$missing — install them (apt-get install$$missing); browser and Redis tests need them" >&2; \
	fi

python-deps: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "facetrade needs Python >= 3.11 (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

# The classifier model is built from the labelled data and rules, deterministically, and
# rebuilt whenever they or the classifier code change (a fresh checkout trains once).
MODEL := var/model/classifier.joblib
model: $(MODEL)

$(MODEL): $(VENV)/.installed $(wildcard data/labelled/*.jsonl rules/*.yml classifier/*.py)
	$(BIN)/facetrade train

demo: install
	$(BIN)/facetrade demo

test: install
	$(BIN)/python -m pytest -q

bench: install
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var build *.egg-info
