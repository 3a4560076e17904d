# Two commands: `make course` runs the course, `make test` runs the test suite.
# Both create .venv on first use (pinned versions from pyproject.toml).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH_VERSION := 2.13.0
PYTEST_TIMEOUT ?= 900

.PHONY: course test test-fast build clean

# torch first, pinned, so a CPU machine uses its local CPU wheel instead of
# pulling several GB of CUDA packages; then the course; then offline copies.
$(BIN)/course: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet torch==$(TORCH_VERSION)
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	$(BIN)/course fetch
	touch $@

course: $(BIN)/course
	$(BIN)/course run --profile auto

# Unit tests, then every notebook and solution executed by nbval with the smoke profile.
test: $(BIN)/course
	COURSE_PROFILE=smoke $(BIN)/python -m pytest -v --durations=20 tests notebooks solutions \
		--nbval-lax --nbval-current-env --nbval-cell-timeout=$(PYTEST_TIMEOUT)

test-fast: $(BIN)/course
	$(BIN)/python -m pytest -m "not slow" tests

build: $(BIN)/course
	$(BIN)/course build

clean:
	rm -rf runs .pytest_cache
