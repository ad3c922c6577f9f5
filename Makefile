# Two commands for a newcomer: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test services lint typecheck config-table clean

## Install what is missing, start RabbitMQ + FerretDB, then a gateway, two workers and the API.
run: services
	@bash scripts/run.sh

## Same set-up with the services in the background, then every test against them.
test: services
	@bash scripts/test.sh

services:
	@bash scripts/services.sh

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck:
	$(VENV)/bin/mypy shared store gateway workers api bench

config-table:
	@$(PY) -m shared.config

clean:
	rm -rf .local .pytest_cache .mypy_cache .ruff_cache
