# hwcloud.dcs: one entry point for people and CI.
#   make demo   the main job, end to end, against the local DCS emulator
#   make test   every check of the project (what .ci/run runs)
#   make bench  the benchmarks
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV ?= $(CURDIR)/.venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONDONTWRITEBYTECODE := 1
ANSIBLE_TEST := VENV=$(VENV) tests/utils/ansible-test.sh
SANITY_PYTHON ?= 3.11

.PHONY: venv test sanity units emulator-test fuzz integration reliability demo bench clean \
	docs docs-examples changelog-lint changelog lint build ee tooling-test matrix fidelity-matrix reliability-matrix

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt test-requirements.txt emulator/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt -r test-requirements.txt -e './emulator[s3]'
	touch $@

## Every check, in the order that fails fastest; each stage's wall time is printed (CI must stay under 30 minutes).
TEST_STAGES := changelog-lint lint tooling-test sanity units emulator-test fuzz integration reliability docs \
	docs-examples build ee
test: venv
	@total=$$(date +%s); for stage in $(TEST_STAGES); do start=$$(date +%s); \
	  $(MAKE) --no-print-directory $$stage; \
	  echo "make test: $$stage passed in $$(( $$(date +%s) - start )) s"; done; \
	echo "make test: every stage passed in $$(( $$(date +%s) - total )) s"

sanity: venv
	$(ANSIBLE_TEST) sanity --venv --python $(SANITY_PYTHON) --color no

units: venv
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/unit

emulator-test: venv
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 emulator/tests --ignore=emulator/tests/fuzz

## Schemathesis against the emulator's DCS calls, signed and unsigned (about a minute on two cores).
## Seeded: `make fuzz FUZZ_SEED=n` replays a run; FUZZ_EXAMPLES sets the examples per call (default 50).
fuzz: venv
	$(BIN)/python -m pytest -q -p no:cacheprovider emulator/tests/fuzz

## The emulator's fidelity sets (docs/emulator.md, "Fidelity") the module is proven against: the vendor's
## documented readings and their opposites; `make fidelity-matrix` adds a random set (its seed is printed).
FIDELITY_SETS ?= documented opposite

integration: venv     ## the integration targets under every fidelity set, the sets side by side (any failing set fails)
	@if ! ls tests/integration/targets/*/aliases >/dev/null 2>&1; then echo "integration: no targets yet"; exit 0; fi; \
	$(BIN)/python tests/utils/integration.py $(addprefix --fidelity ,$(FIDELITY_SETS))

## Faults, duplicates, secrets, load, emulator restarts and security, against real emulators (tests/reliability).
## The emulator's own restart and security tests run once; what drives the module runs under the documented set,
## and the files that meet the fidelity points most (RELIABILITY_OPPOSITE) under the opposite set too: the rest of
## the opposite run and a random set are in `make fidelity-matrix` (CI time: docs/emulator.md, "Fidelity").
## The load test runs alone: 20 forks need the machine's cores to themselves.
## Its tests mostly wait (outages, timeouts, task lengths): 4 workers on 2 cores took the documented run from 306 s to
## 184 s and the opposite one from 381 s to 238 s, all passing.
RELIABILITY_WORKERS ?= 4
RELIABILITY_EMULATOR_ONLY := tests/reliability/test_emulator_restart.py tests/reliability/test_emulator_security.py
RELIABILITY_OPPOSITE := tests/reliability/test_no_duplicates.py tests/reliability/test_faults.py tests/reliability/test_exactly_one.py
reliability: venv
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 $(RELIABILITY_EMULATOR_ONLY)
	@status=0; \
	echo "== reliability, fidelity documented"; \
	DCS_FIDELITY=documented $(BIN)/python -m pytest -q -p no:cacheprovider -n $(RELIABILITY_WORKERS) tests/reliability \
	  --ignore=tests/reliability/test_load.py $(addprefix --ignore=,$(RELIABILITY_EMULATOR_ONLY)) || status=1; \
	DCS_FIDELITY=documented $(BIN)/python -m pytest -q -p no:cacheprovider tests/reliability/test_load.py || status=1; \
	echo "== reliability, fidelity opposite: $(RELIABILITY_OPPOSITE)"; \
	DCS_FIDELITY=opposite $(BIN)/python -m pytest -q -p no:cacheprovider -n $(RELIABILITY_WORKERS) $(RELIABILITY_OPPOSITE) || status=1; \
	exit $$status

## What drives the module, once per set in MATRIX_RELIABILITY_SETS (all files, the load test alone).
MATRIX_RELIABILITY_SETS ?= opposite random
reliability-matrix: venv
	@status=0; for set in $(MATRIX_RELIABILITY_SETS); do \
	  echo "== reliability, fidelity $$set"; \
	  DCS_FIDELITY=$$set $(BIN)/python -m pytest -q -p no:cacheprovider -n 2 tests/reliability \
	    --ignore=tests/reliability/test_load.py $(addprefix --ignore=,$(RELIABILITY_EMULATOR_ONLY)) || status=1; \
	  DCS_FIDELITY=$$set $(BIN)/python -m pytest -q -p no:cacheprovider tests/reliability/test_load.py || status=1; \
	done; exit $$status

## Not in `make test` (time): integration under every set (documented, opposite and a random one, side by side),
## and every module-driving reliability file under the opposite and a random set (`make reliability` runs them
## under the documented set, and the opposite set only for RELIABILITY_OPPOSITE).
fidelity-matrix: venv ## integration under every fidelity set; reliability under the opposite and a random one
	@status=0; $(MAKE) integration FIDELITY_SETS="documented opposite random" || status=1; \
	$(MAKE) reliability-matrix || status=1; exit $$status

demo: venv            ## tools/demo.py: build+install the collection, emulator, sample backup, playbooks/demo.yml
	$(BIN)/python tools/demo.py

## Ecosystem gates (tox.ini): each tool in its own environment under .build/tox.
TOX := $(BIN)/tox -c tox.ini
MATRIX := units-core2.16,units-core2.17,units-core2.18,units-core2.19,sanity-core2.16,sanity-core2.19

docs: venv            ## antsibull-docs + sphinx -W -> docs/build/html
	$(TOX) -e docs

changelog-lint: venv  ## antsibull-changelog lint (fragments, config, changelog.yaml)
	$(TOX) -e changelog

changelog: venv       ## release manager: antsibull-changelog release for galaxy.yml's version -> CHANGELOG.rst
	$(TOX) -e changelog-release

lint: venv            ## yamllint + ansible-lint production profile (project + modules' EXAMPLES)
	$(TOX) -e lint

build: venv           ## ansible-galaxy collection build + galaxy-importer (offline) -> .build/dist
	$(TOX) -e build

ee: venv              ## ansible-builder create + check of the build context and introspection
	$(TOX) -e ee

docs-examples: venv   ## every documented playbook and ad-hoc example, and the AWX guide's job, against the emulator
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/docs

tooling-test: venv    ## tests of tests/utils (AWX credential type vs the modules' env vars)
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/utils

matrix: venv          ## units on ansible-core 2.16-2.19, sanity on 2.16 and 2.19 (not in `make test`)
	$(TOX) -p 2 -e $(MATRIX)

## Benchmarks print tables; each script is self-contained (starts what it measures).
BENCHES := $(wildcard emulator/bench/bench_*.py tests/bench/bench_*.py)
bench: venv
	@if [ -z "$(BENCHES)" ]; then echo "make bench: no benchmarks yet"; fi
	@for b in $(BENCHES); do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf .build tests/output emulator-data
