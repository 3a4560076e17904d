# Two commands: `make course` runs the course, `make test` runs the test suite.
# Both create .venv on first use (pinned versions from pyproject.toml).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH_VERSION := 2.13.0
PYTEST_TIMEOUT ?= 900

.PHONY: course test test-fast test-gpu bench build clean

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
	COURSE_PROFILE=smoke $(BIN)/python -m pytest -v --durations=20 -m "not gpu" tests notebooks solutions \
		--nbval-lax --nbval-current-env --nbval-cell-timeout=$(PYTEST_TIMEOUT)

test-fast: $(BIN)/course
	$(BIN)/python -m pytest -m "not slow and not gpu" tests

# Every lesson with the full profile on a GPU (skipped without one); MODEL=... overrides model_id.
test-gpu: $(BIN)/course
	COURSE_GPU_MODEL=$(MODEL) $(BIN)/python -m pytest -v -rs -m gpu tests/test_gpu_lessons.py

# The book's training recipe against the course's fast one (all of Rotten Tomatoes, MiniLM, 1 epoch).
bench: $(BIN)/course
	$(BIN)/course bench

build: $(BIN)/course
	$(BIN)/course build

clean:
	rm -rf runs .pytest_cache
