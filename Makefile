# One entry point for people and CI. `make run` and `make test` install what they need.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUF := node_modules/.bin/buf
PROTOS := $(shell find protos -name '*.proto')

.PHONY: setup run sandbox test lint protos protos-check buf-lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: setup
	$(BIN)/guidera serve --sandbox

sandbox: setup
	$(BIN)/guidera sandbox

test: setup
	$(BIN)/pytest -q

lint: setup buf-lint
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

$(BUF):
	npm install --no-save --silent --no-audit --no-fund @bufbuild/buf@1

buf-lint: $(BUF)
	$(BUF) lint

protos: setup
	$(PY) -m guidera_grpc.protogen generated

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
