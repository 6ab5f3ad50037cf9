# One entry point for people and CI. `make run` and `make test` install what they need.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUF := node_modules/.bin/buf
PROTOS := $(shell find protos -name '*.proto')

.PHONY: setup run sandbox test lint deploy-check bench bench-quick protos protos-check buf-lint clean

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

# Benchmarks print figures and write bench/results/; they never fail on a figure.
# `make bench ARGS=--quick` (or `make bench-quick`) finishes in under two minutes.
bench: setup
	$(PY) -m bench $(ARGS)

bench-quick: setup
	$(PY) -m bench --quick $(ARGS)

lint: setup buf-lint
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# The deploy/ files, checked without a Docker engine or a cluster: every manifest against the
# schemas of K8S_VERSION in strict mode (unknown fields fail), the Dockerfile with hadolint,
# and the compose file with `compose config`. tests/test_deploy_manifests.py checks the rest.
K8S_VERSION ?= 1.34.0
K8S_MANIFESTS = $(shell find deploy/k8s -name '*.yaml' | sort)

deploy-check: setup
	$(BIN)/kubernetes-validate --strict --kubernetes-version $(K8S_VERSION) $(K8S_MANIFESTS)
	$(BIN)/hadolint deploy/Dockerfile
	bash deploy/check-compose.sh

$(BUF):
	npm install --no-save --silent --no-audit --no-fund @bufbuild/buf@1

buf-lint: $(BUF)
	$(BUF) lint

protos: setup
	$(PY) -m guidera_grpc.protogen generated

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
