# SiliconCrew developer entry points. `make setup` is idempotent and fast when nothing changed,
# so `run` and `test` depend on it. Details of each step: scripts/setup.sh.
SHELL := /bin/bash
PY    := .venv/bin/python

.DEFAULT_GOAL := help
.PHONY: help setup run lint test bench docker image clean

help:
	@echo "make setup   install EDA packages, start dockerd, create .venv, build the sandbox image"
	@echo "make run     run the counter example (examples/counter) end to end"
	@echo "make lint    ruff (lint + format check), mypy and the import layer rule (runs first in make test)"
	@echo "make test    run the test suite (JUnit XML in test-artifacts/junit.xml)"
	@echo "make bench   sandbox and hardening benchmarks (benchmarks/)"
	@echo "make docker  start the Docker daemon if it is not running"
	@echo "make image   build the EDA sandbox image if missing or its Dockerfile changed"
	@echo "make clean   remove .venv"

setup:
	bash scripts/setup.sh all

run: setup
	.venv/bin/siliconcrew run examples/counter

LINT_PATHS := siliconcrew tests benchmarks examples scripts

lint: setup
	$(PY) -m ruff check $(LINT_PATHS)
	$(PY) -m ruff format --check $(LINT_PATHS)
	$(PY) -m mypy siliconcrew
	.venv/bin/lint-imports

test: lint
	@mkdir -p test-artifacts
	SILICONCREW_REQUIRE_DOCKER=1 $(PY) -m pytest -q -rs --junitxml=test-artifacts/junit.xml tests

bench:
	$(PY) benchmarks/bench_sandbox.py
	$(PY) benchmarks/bench_harden.py
	$(PY) benchmarks/bench_kb.py

docker:
	bash scripts/setup.sh docker

image:
	bash scripts/setup.sh docker image

clean:
	rm -rf .venv
