# Two commands: `make course` runs the course, `make test` runs the test suite.
# Both create .venv on first use (pinned versions from pyproject.toml).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH_VERSION := 2.13.0
# Test workers (pytest-xdist): each gets its share of the cores, and so do the kernels it grades.
TEST_WORKERS ?= 2

.PHONY: course test test-fast test-gpu bench build clean

# torch first, pinned, so a CPU machine uses its local CPU wheel instead of
# pulling several GB of CUDA packages; then the course; then offline copies.
$(BIN)/course: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet torch==$(TORCH_VERSION)
	$(BIN)/python -m pip install --quiet -e ".[lab,test]"
	$(BIN)/course fetch
	touch $@

course: $(BIN)/course
	$(BIN)/course run --profile auto

# The whole suite. Each lesson is executed three times, by its graded-three-ways test (solution,
# unsolved lesson, one wrong answer), which also proves that every cell of notebooks/ and solutions/
# runs. Test files are shared out whole among the workers (--dist loadfile). Each test's printed
# output (among it, how long each execution of a lesson took) goes to runs/test-report.xml.
test: $(BIN)/course
	COURSE_PROFILE=smoke $(BIN)/python -m pytest -v --durations=20 -m "not gpu" \
		-n $(TEST_WORKERS) --dist loadfile --junitxml=runs/test-report.xml -o junit_logging=system-out tests

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
