# partner-contracts: `make mock` serves every partner API; `make test` is QA's one command.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8080
ARGS   ?=
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
REPORTS := reports
# make test's pytest workers (pytest-xdist): one per core, at most 4; TEST_WORKERS=0 runs serially
TEST_WORKERS ?= auto

.PHONY: help setup mock lint diff spec-history test redis-server fuzz-deep contract bench soak clean

help:
	@echo "make mock       set up, then serve every partner API on http://$(HOST):$(PORT)"
	@echo "make test       set up, then lint + unit/behaviour tests + fuzzing (JUnit in $(REPORTS)/)"
	@echo "make lint       openapi-spec-validator + house rules + yamllint + ruff + mypy + import-linter"
	@echo "make diff [BASE=<git ref>]   what the spec edits break for clients (default origin/main, else HEAD)"
	@echo "make fuzz-deep  many more fuzzing examples, for a longer hunt"
	@echo "make contract PARTNER=<name> BASE_URL=https://...   the same suite against a live endpoint"
	@echo "make bench      the mock against Prism and a bare ASGI ceiling (installs wrk and Prism)"
	@echo "make soak [SOAK_SECONDS=300]   mixed traffic on every API against a real mock process;"
	@echo "                prints RSS and p99 per minute, fails on any 5xx"
	@echo "make setup      the venv and packages only (.venv; every target above does it first)"
	@echo "make spec-history   every edit of each spec against the version before it (part of make test)"
	@echo "make redis-server   install Debian's redis-server if missing (make test does it)"
	@echo "make clean      remove the venv, reports and caches"
	@echo "TEST_WORKERS=0  make test in one process (default: one pytest worker per core, at most 4)"

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

mock: $(STAMP)
	$(BIN)/python -m mock_server --host $(HOST) --port $(PORT) $(ARGS)

lint: $(STAMP)
	$(BIN)/yamllint -c .yamllint.yaml specs tests/fixtures
	$(BIN)/python -m speclint specs
	$(BIN)/python -m mock_server.check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy mock_server speclint vendor_keywords
	$(BIN)/lint-imports

# The Redis tests need a real redis-server (Debian's package); installed here when missing.
redis-server:
	@command -v redis-server >/dev/null || { \
		echo "installing redis-server (Debian package) for the Redis tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq redis-server >/dev/null; }

# Every spec against its version at BASE; exit 1 on an unapproved breaking change.
BASE ?= $(shell git rev-parse --verify --quiet origin/main >/dev/null && echo origin/main || echo HEAD)
SPECS := $(filter-out specs/sandbox-credentials.yaml,$(wildcard specs/*.yaml))
diff: $(STAMP)
	$(BIN)/python -m speclint.diff.history --base $(BASE) $(SPECS) $(if $(FORMAT),--format $(FORMAT))

# Every edit of each spec (each commit, and uncommitted changes) must not break clients unless
# approved in x-breaking-changes (in that version or the current one).
spec-history: $(STAMP)
	$(BIN)/python -m speclint.diff.history $(SPECS)

test: lint spec-history $(STAMP) redis-server
	@mkdir -p $(REPORTS)
	$(BIN)/pytest -n $(TEST_WORKERS) --maxprocesses=4 --dist loadfile --junitxml=$(REPORTS)/junit.xml

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# Five minutes (SOAK_SECONDS) of mixed traffic; the figures are printed, not asserted.
SOAK_SECONDS ?= 300
soak: $(STAMP)
	SOAK_SECONDS=$(SOAK_SECONDS) $(BIN)/pytest tests/test_soak.py -m slow -s \
		--timeout=$$(( $(SOAK_SECONDS) + 300 ))

fuzz-deep: $(STAMP)
	@mkdir -p $(REPORTS)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-400} $(BIN)/pytest contract_tests/test_fuzz_mock.py \
		--junitxml=$(REPORTS)/fuzz-deep.xml --timeout=3600

# The same suite against a live endpoint. Read-only unless ALLOW_WRITES=1; credentials from
# CONTRACT_<PARTNER>_<SCHEME> (README, "Live endpoints").
contract: $(STAMP)
	@test -n "$(PARTNER)" -a -n "$(BASE_URL)" || \
		{ echo "usage: make contract PARTNER=<zipteams|ziett|360dialog|voice> BASE_URL=https://..."; exit 2; }
	@mkdir -p $(REPORTS)
	PARTNER=$(PARTNER) BASE_URL=$(BASE_URL) $(BIN)/pytest contract_tests/test_live.py \
		--junitxml=$(REPORTS)/contract-$(PARTNER).xml -rA

clean:
	rm -rf $(VENV) $(REPORTS) .pytest_cache .mypy_cache .ruff_cache .hypothesis
