# jiefen — make setup | run | lint | test | test-distributed | cluster | cluster-stop | bench | bench-scale | fuzz
# `make run` and `make test` work on a fresh Debian machine: they install what is missing first.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# WeasyPrint needs Pango; HarfBuzz subsetting keeps a PDF render at ~0.2 s instead of ~10 s;
# Noto CJK draws Chinese; poppler-utils gives pdftotext/pdffonts for the document tests; chromium runs the
# web interface's browser tests (Playwright drives /usr/bin/chromium; it never downloads a browser).
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk poppler-utils chromium
# Only for `make bench`: LibreOffice, the baseline the agreement PDF is measured against.
BENCH_APT_PACKAGES := libreoffice-writer-nogui
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# `make test` runs `make lint` (ruff check, ruff format --check, mypy) first and stops if it fails;
# `make test SKIP_LINT=1` skips it while you work. (Not `LINT`: GNU make predefines LINT = lint.)
SKIP_LINT ?=

.PHONY: setup system apt run lint test test-distributed cluster cluster-stop bench bench-scale fuzz clean

setup: system $(STAMP)

system:
	@$(MAKE) --no-print-directory apt PACKAGES="$(APT_PACKAGES)"

apt:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

# SMS (the portal's one-time codes, the parties' messages) go to the local fake provider on 8025 unless
# JIEFEN_SMS_PROVIDER says otherwise: what it received is at http://127.0.0.1:8025/sms. Nothing real is sent.
run: setup
	$(BIN)/jiefen seed models/seed/demo.yaml
	@if [ -z "$$JIEFEN_SMS_PROVIDER" ] || [ "$$JIEFEN_SMS_PROVIDER" = fake ]; then \
	  $(BIN)/python -m workflows.notify.fake_sms --port 8025 & fake=$$!; trap "kill $$fake 2>/dev/null" EXIT; \
	  JIEFEN_SMS_PROVIDER=fake $(BIN)/jiefen serve; \
	else $(BIN)/jiefen serve; fi

# All three run, each reporting its findings; the target fails if any of them failed.
lint: setup
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/mypy || status=1; \
	exit $$status

test: setup $(if $(SKIP_LINT),,lint)
	$(BIN)/python -m pytest

# Distributed mode end to end (tests/distributed, minutes rather than seconds, so not in `make test`): a real
# Prefect server, PostgreSQL (JIEFEN_TEST_POSTGRES_URL), `jiefen deploy --all`, two `jiefen worker`s, one killed.
test-distributed: setup
	$(BIN)/python -m pytest tests/distributed -p no:cacheprovider -q

# Distributed mode on this machine (README "Running it distributed"): PostgreSQL (started if local and
# stopped), a Prefect server, two `jiefen worker`s, two API processes, the demo seed. State in .cluster/.
cluster: setup
	scripts/cluster.sh start

cluster-stop:
	scripts/cluster.sh stop

bench: setup
	@$(MAKE) --no-print-directory apt PACKAGES="$(BENCH_APT_PACKAGES)"
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	$(BIN)/python -m pytest tests/bench -p no:cacheprovider -q -s --ignore=tests/bench/test_scale.py

# The province-year (issue 15): SCALE_CASES cases of last year in SCALE_REGION from `jiefen simulate` in a scratch
# PostgreSQL database (JIEFEN_TEST_POSTGRES_URL), then the dashboard, search, case page, sweep and audit-verify
# figures next to their goals and raw-SQL floors. SCALE_CASES=20000 for a quick run; SCALE_FROM=DB measures a
# database simulated before (copied with CREATE DATABASE … TEMPLATE); SCALE_WORKERS processes simulate.
SCALE_CASES ?= 1000000
SCALE_REGION ?= 33
SCALE_WORKERS ?= 1
SCALE_FROM ?=

bench-scale: setup
	@test -n "$$JIEFEN_TEST_POSTGRES_URL" || { echo "bench-scale: set JIEFEN_TEST_POSTGRES_URL (PostgreSQL)"; exit 2; }
	JIEFEN_BENCH_SCALE_CASES=$(SCALE_CASES) JIEFEN_BENCH_SCALE_REGION=$(SCALE_REGION) \
	JIEFEN_BENCH_SCALE_WORKERS=$(SCALE_WORKERS) JIEFEN_BENCH_SCALE_FROM=$(SCALE_FROM) \
	$(BIN)/python -m pytest tests/bench/test_scale.py -p no:cacheprovider -q -s

# The fuzz tests (tests/api/test_fuzz.py) with a budget of at least FUZZ_MIN_REQUESTS generated requests, explored
# afresh each run (FUZZ_RANDOM=1): every operation, the lifecycle walks, the login. On SQLite, and PostgreSQL too
# when JIEFEN_TEST_POSTGRES_URL is set. Prints how many requests were sent, how many answered 5xx and how many
# failed a check; fails if any did, or if fewer requests than FUZZ_MIN_REQUESTS were sent.
FUZZ_EXAMPLES ?= 100
FUZZ_SCENARIOS ?= 500
FUZZ_MIN_REQUESTS ?= 10000

fuzz: setup
	@report=$$(mktemp); status=0; \
	FUZZ_RANDOM=1 FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_SCENARIOS=$(FUZZ_SCENARIOS) FUZZ_LOGIN_EXAMPLES=20 \
	FUZZ_REPORT=$$report $(BIN)/python -m pytest tests/api/test_fuzz.py -p no:cacheprovider -q || status=1; \
	$(BIN)/python -m tests.api.fuzz_support $$report $(FUZZ_MIN_REQUESTS) || status=1; \
	rm -f $$report; exit $$status

clean:
	rm -rf $(VENV) .cluster jiefen.db jiefen.db-wal jiefen.db-shm .pytest_cache .jiefen/checkpoints
