# Two entry points: `make serve` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: serve test bench docs clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/sahelkg serve --seed --host 127.0.0.1 --port 8000

test: $(STAMP)
	bash .ci/prepare-test-servers
	$(BIN)/python -m pytest

docs: $(STAMP)
	$(BIN)/sahelkg docs

clean:
	rm -rf $(VENV) .pytest_cache
