# Every target installs what it needs: a fresh machine runs `make preview STACK=prod` or `make test` directly.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# uv installs the pinned dependencies (pyproject.toml) in seconds where pip takes a minute; the venv's own pip (not
# upgraded: 2 s of every fresh setup) stays for `pip freeze` (tests/infra/test_package.py) and users' installs.
# --compile-bytecode: pip's default, and the only bytecode there is where PYTHONDONTWRITEBYTECODE is set (without it
# every test process compiles pulumi_aws afresh).
STACK  ?= dev

.PHONY: venv system-deps preview check test app bench docs package clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q uv==0.13.8
	$(VENV)/bin/uv pip install -q --compile-bytecode --python $(PY) -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

# PostgreSQL and Redis servers for the app tests and `make app` (Debian packages).
system-deps:
	scripts/install-system-deps.sh

# The main job: offline preview of a stack under Pulumi's mock engine, then the compliance check.
preview: venv
	$(PY) -m ecomart preview --stack $(STACK)

# The compliance check alone (synthesizes the stack offline): `make check STACK=prod`.
check: venv
	$(PY) -m ecomart check --stack $(STACK)

# Parallel (pytest-xdist), one worker more than cores: many tests wait on servers and subprocesses. Each worker
# starts its own PostgreSQL/Redis servers on free ports; worksteal evens out the long tests at the end.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
test: venv system-deps
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal

app: venv system-deps
	$(PY) -m devtools.local

# The Lambda artifact (build/lambda/app-py312-arm64.zip): reproducible, its size and hash printed.
package: venv
	$(PY) -m infra.package

bench: venv system-deps
	$(PY) -m bench $(if $(PARTS),--only $(PARTS))

# Regenerate everything generated from the code, in dependency order (a test fails when any is stale).
docs: venv
	$(PY) -m ecomart docs --write

clean:
	rm -rf build .pytest_cache
