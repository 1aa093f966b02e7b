# Two entry points: `make serve` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: serve test lint bench docs vendor clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test]'
	touch $(STAMP)

# make serve PORT=8010 HOST=127.0.0.1
HOST ?= 127.0.0.1
PORT ?= 8000
serve: $(STAMP)
	$(BIN)/sahelkg serve --seed --host $(HOST) --port $(PORT)

# pytest runs tests/, every module's doctests (src/), ruff and mypy (tests/quality) and the wheel
# test (tests/packaging); settings in pyproject.toml.
test: $(STAMP)
	bash .ci/prepare-test-servers
	$(BIN)/python -m pytest

lint: $(STAMP)  # the lint and type checks alone, as tests/quality runs them
	$(BIN)/ruff check src tests bench setup.py
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/sahelkg docs

vendor: $(STAMP)  # needs npm; fetches the browser assets at the versions in src/sahelkg/web/vendor.py
	$(BIN)/python -m sahelkg.web.vendor

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
