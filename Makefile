# Two commands: `make course` runs the course, `make test` runs the test suite.
# Both create .venv on first use, with the exact versions of constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Test workers (pytest-xdist): each gets its share of the cores, and so do the kernels it grades.
TEST_WORKERS ?= 2

.PHONY: course test test-fast test-gpu test-colab test-full-shape bench build clean

# torch first, at its pinned version, so a CPU machine uses its local CPU wheel instead of
# pulling several GB of CUDA packages; then the course; then offline copies.
$(BIN)/course: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt torch
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[lab,test]"
	$(BIN)/course fetch
	touch $@

course: $(BIN)/course
	$(BIN)/course run --profile auto

# The whole suite. Each lesson is executed three times, by its graded-three-ways test (solution,
# unsolved lesson, one wrong answer), which also proves that every cell of notebooks/ and solutions/
# runs. Test files are shared out whole among the workers (--dist loadfile). Each test's printed
# output (among it, how long each execution of a lesson took) goes to runs/test-report.xml.
test: $(BIN)/course
	COURSE_PROFILE=smoke $(BIN)/python -m pytest -v --durations=20 -m "not gpu and not colab and not full_shape" \
		-n $(TEST_WORKERS) --dist loadfile --junitxml=runs/test-report.xml -o junit_logging=system-out tests

test-fast: $(BIN)/course
	$(BIN)/python -m pytest -m "not slow and not gpu and not colab and not full_shape" tests

# Lessons 01-07 with the full profile's models, settings and branches, and tiny data
# (COURSE_TINY=1, tests/test_full_shape.py): what a GPU learner runs, on this CPU in minutes.
test-full-shape: $(BIN)/course
	$(BIN)/python -m pytest -v -m full_shape --junitxml=runs/test-full-shape.xml -o junit_logging=system-out \
		tests/test_full_shape.py

# Lessons 00, 01 and 08 in a second environment with Colab's package versions (tests/test_colab.py);
# what installing the course there replaced, and how the lessons ran, go to runs/test-colab.md.
test-colab: $(BIN)/course
	$(BIN)/python -m pytest -v -m colab tests/test_colab.py

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
