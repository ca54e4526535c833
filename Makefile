# actkit — `make run` starts the stack, `make test` runs everything CI runs. `make help` lists all.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python caches each module's compiled code (__pycache__/, ignored by git): an environment that
# turns that off (PYTHONDONTWRITEBYTECODE) would have every process compile its 1,300 modules from
# source, the preload of `actkit run` 3.6 s instead of 1.8 s, and every stack a test starts with it.
unexport PYTHONDONTWRITEBYTECODE

UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --frozen --no-sync
PYTEST_WORKERS ?= 2
KIT ?= proto core
KIT_TESTS ?= proto/tests core/tests
KIT_STACK_TEST := core/tests/integration/test_running_stack.py
# `make test` runs the kit's (proto, core) tests once, measured, in `coverage`; test-unit and test-int
# then run the services' only. Alone, test-unit and test-int run the kit's tests too. The test of
# `running_stack` starts the whole stack: it runs alone, as the stack tests do, not beside others.


.PHONY: help debian-packages setup run status test coverage test-unit test-int test-stack lint fmt mypy bench fresh-check asyncapi nats-conf licences translations migration migrations-check contracts new-service engine images app-example app-example-licence board-up board-status board-down test-board bench-board test-radios bench-radios test-fleet fleet-sim up down logs

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

.tools/bin/uv: tools/install_uv.py
	python3 tools/install_uv.py $@

# Two environments in one .venv: `make run` syncs what the stack runs (no dev group: nothing that
# compiles, nothing only the tests use); the other targets sync the dev group on top, after the
# Debian packages its one C build and the real-peer tests need. `uv run --no-sync` runs in either
# as it is, so `make run` after `make test` does not uninstall the tests' packages.
LOCKED := $(UV) uv.lock pyproject.toml $(wildcard */pyproject.toml services/*/pyproject.toml)

.venv/.synced-run: $(LOCKED)
	$(UV) sync --frozen --all-packages --no-dev --inexact
	@touch $@

.venv/.synced-dev: $(LOCKED) | debian-packages
	$(UV) sync --frozen --all-packages
	@touch $@ .venv/.synced-run

debian-packages: ## install the Debian packages the tests need (as root), or name them
	@tools/debian-packages.sh

# The official AsyncAPI parser, which a contract test runs on proto/asyncapi.yaml (npm's own stamp).
ASYNCAPI_PARSER := proto/asyncapi-check/node_modules/.package-lock.json
$(ASYNCAPI_PARSER): proto/asyncapi-check/package-lock.json | debian-packages
	cd proto/asyncapi-check && npm ci --no-audit --no-fund --loglevel=error

# axe-core, which the dashboard's accessibility test injects into each page in Chromium.
AXE_CORE := tests/accessibility/node_modules/.package-lock.json
$(AXE_CORE): tests/accessibility/package-lock.json | debian-packages
	cd tests/accessibility && npm ci --no-audit --no-fund --loglevel=error

setup: .venv/.synced-dev $(ASYNCAPI_PARSER) $(AXE_CORE) ## create or update the development environment

run: .venv/.synced-run ## the whole stack as local processes: nats-server + every service, sim hardware
	$(RUN) actkit run

status: .venv/.synced-run ## ping every service of a running stack
	$(RUN) actkit status

test: lint contracts migrations-check coverage ## EVERYTHING CI runs
	$(MAKE) --no-print-directory test-unit test-int test-stack KIT= KIT_TESTS=

# The data goes to a folder every user may write (sticky, as /tmp), so the services and test
# children that give up root (actkit run --service-user) write their part too.
coverage: export COVERAGE_FILE = $(CURDIR)/.cache/coverage/data
coverage: setup ## the kit's unit + integration tests, measured: fails under 100% of proto and core
	rm -rf .cache/coverage && mkdir -p .cache && mkdir -m 1777 .cache/coverage
	$(RUN) coverage run -m pytest -q -n $(PYTEST_WORKERS) --doctest-modules --ignore-glob='*/migrations/*' --ignore=$(KIT_STACK_TEST) proto core
	$(RUN) coverage run -m pytest -q $(KIT_STACK_TEST)
	$(RUN) coverage combine -q
	$(RUN) coverage report --fail-under=100

test-unit: setup ## unit tests (no sockets, no sleeps)
	$(RUN) pytest -q -m "not integration and not stack and not board" -n $(PYTEST_WORKERS) --doctest-modules --ignore-glob='*/migrations/*' $(KIT) services fleet

test-int: setup ## integration tests against real peers (nats-server, mosquitto, D-Bus ...)
	$(RUN) pytest -q -m integration -n $(PYTEST_WORKERS) $(KIT_TESTS) services fleet

test-stack: setup ## cross-service tests: the stack as `make run` starts it
	$(RUN) pytest -q -m stack tests

test-radios: setup ## BLE through real BlueZ, WLAN through real NetworkManager, on virtual radios in a QEMU VM (not in make test)
	tools/debian-packages.sh radios
	$(RUN) tools/radios-vm.sh

bench-radios: setup ## the radios VM's figure: input edge -> beacon heard by a scanner, p50/p99
	tools/debian-packages.sh radios
	$(RUN) tools/radios-vm.sh bench

test-fleet: setup ## HQ's fleet tools alone: a 3-node HQ and 3 vehicles on loopback (also in make test)
	$(RUN) pytest -q fleet

FLEET_VEHICLES ?= 200
fleet-sim: setup ## HQ cluster + 200 vehicles (FLEET_VEHICLES=50 fewer) on loopback, cuts, kills: figures; exit 1 on a loss
	$(RUN) python -m actkit_fleet.sim --vehicles $(FLEET_VEHICLES)

test-%: setup ## one service alone, e.g. make test-io (its board tests run in make test-board)
	$(RUN) pytest -q -m "not board" services/$*

lint: setup ## ruff (format + check), mypy strict, import-linter, typos
	$(RUN) ruff format --check .
	$(RUN) ruff check .
	$(RUN) mypy
	$(RUN) lint-imports
	$(RUN) typos

fmt: setup ## format and fix what ruff can
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

contracts: setup ## fail when a generated contract file is stale
	$(RUN) pytest -q proto/tests/test_asyncapi.py core/tests/test_natsconf.py

asyncapi: setup ## write proto/asyncapi.yaml from the message models
	$(RUN) actkit asyncapi

nats-conf: setup ## write deploy/nats-server.conf from the services table
	$(RUN) actkit nats-conf

licences: setup ## write the Legal page's list of the Python packages shipped (from uv.lock)
	$(RUN) python -c 'from actkit_web.pages import third_party; third_party.write_listing()'

# The dashboard's languages (services/web/actkit_web/pages/locales): the templates' and pages'
# words extracted into messages.pot, each language's messages.po updated from it (new words empty,
# never guessed: no fuzzy matching), then every catalog compiled, owners.po (the owners' sentences,
# kept by hand) too. The .mo files are committed: the service needs no build step and no Babel.
LOCALES := services/web/actkit_web/pages/locales
translations: setup ## extract the dashboard's words, update each language's catalog, compile them
	$(RUN) pybabel -q extract -F services/web/babel.cfg --no-location --sort-output --omit-header -o $(LOCALES)/messages.pot services/web
	$(RUN) pybabel -q update -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages --no-fuzzy-matching --ignore-obsolete --no-wrap
	$(RUN) pybabel compile -d $(LOCALES) -D messages --statistics
	$(RUN) pybabel compile -d $(LOCALES) -D owners --statistics

migration: setup ## make migration svc=io m="add debounce"
	$(RUN) actkit migration $(svc) "$(m)"

migrations-check: setup ## fail when a service's models and migrations differ
	$(RUN) actkit migrations-check

new-service: setup ## make new-service name=foo summary="what it owns"
	$(RUN) actkit new-service $(name) "$(summary)"

fresh-check: ## the README's two commands on a clean Debian root (debootstrap, chroot; needs root)
	tools/fresh-check.sh

bench: setup ## latency, throughput, memory and start-up of the whole stack (only=flood, paths, profile, vapix, vapix-profile, start or memory: one part alone)
	ACTKIT_BENCH_ONLY=$(only) $(RUN) python -m bench

bench-board: setup images ## the bench's board mode, both layouts (layout=forked or layout=split: one): up to answering, memory
	DOCKER_HOST=$(BOARD_HOST) ACTKIT_BENCH_BOARD_LAYOUT=$(layout) $(RUN) python -m bench board

# The board: the images and the compose stack on a Docker Engine. Here that is a private dockerd
# (tools/dockerd.sh) in $(BOARD_ENGINE), started when needed; BOARD_HOST=unix://... names another.
BOARD_ENGINE := .cache/board/engine
BOARD_HOST ?= unix://$(CURDIR)/$(BOARD_ENGINE)/docker.sock

engine: ## start the board targets' private Docker Engine (unless BOARD_HOST names another)
	@[ "$(BOARD_HOST)" != "unix://$(CURDIR)/$(BOARD_ENGINE)/docker.sock" ] || tools/dockerd.sh start $(BOARD_ENGINE) >/dev/null

images: engine ## build actkit:latest (every service) and actkit-nats:latest (VERSION=1.2.3 labels it)
	DOCKER_HOST=$(BOARD_HOST) tools/board-images.sh

app-example: engine .venv/.synced-run ## the example app (apps/trip-log): image built, saved and signed into .cache/apps
	DOCKER_HOST=$(BOARD_HOST) tools/app-example.sh

app-example-licence: .venv/.synced-run ## a licence key for the example app: SERIAL=<12 hex> [EXPIRES=2027-06-30T00:00Z]
	tools/app-example-licence.sh

board-up: engine .venv/.synced-run ## the compose stack (nats + actkit; ACTKIT_BOARD_LAYOUT=split: a container per service), sim hardware, on the private engine: healthy, dashboard on :8080
	DOCKER_HOST=$(BOARD_HOST) tools/board.sh up

board-status: .venv/.synced-run ## actkit status through the board's published NATS port
	DOCKER_HOST=$(BOARD_HOST) tools/board.sh status

# make test-board: a private dockerd of its own (so a board from make board-up may run meanwhile),
# started by PID and stopped by PID after, whatever the tests did; its images stay for the next run.
BOARD_TEST_ENGINE := .cache/board/test-engine
BOARD_TEST_HOST := unix://$(CURDIR)/$(BOARD_TEST_ENGINE)/docker.sock
test-board: setup ## the board suite on a real dockerd: images, the compose stack, rollouts (not in make test)
	tools/debian-packages.sh board
	tools/dockerd.sh start $(BOARD_TEST_ENGINE) >/dev/null
	DOCKER_HOST=$(BOARD_TEST_HOST) tools/board-images.sh && \
	  ACTKIT_BOARD_HOST=$(BOARD_TEST_HOST) $(RUN) pytest -q -m board -n 0 tests && \
	  ACTKIT_BOARD_HOST=$(BOARD_TEST_HOST) ACTKIT_BOARD_LAYOUT=split $(RUN) pytest -q -m board -n 0 tests/board/test_board_stack.py tests/board/test_board_host.py && \
	  $(RUN) pytest -q -m board -n 0 services; \
	  status=$$?; tools/dockerd.sh stop $(BOARD_TEST_ENGINE); exit $$status

board-down: ## stop the board's containers (their volumes stay) and the private engine
	@! tools/dockerd.sh host $(BOARD_ENGINE) >/dev/null || DOCKER_HOST=$(BOARD_HOST) tools/board.sh down
	@[ "$(BOARD_HOST)" != "unix://$(CURDIR)/$(BOARD_ENGINE)/docker.sock" ] || tools/dockerd.sh stop $(BOARD_ENGINE)

# On the board itself: its engine, the real adapters, the passwords in .env. docker-compose (v1) where
# it is installed, else `docker compose` (v2).
COMPOSE := $(shell command -v docker-compose >/dev/null && echo docker-compose || echo docker compose) -p actkit
up: ## on the board: docker-compose up, real hardware adapters
	$(COMPOSE) up -d
down: ## on the board: stop the containers
	$(COMPOSE) down
logs: ## on the board: follow the containers' logs
	$(COMPOSE) logs -f
