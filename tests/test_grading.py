"""``course grade`` against hostile submissions, built at test time from the course's lessons 00 and 01.

Each kind of submission is graded once, in one batch, and must get the exact
grade and message. (The solution and the unsolved lesson are graded in each
lesson's own test file.) Afterwards every submission file is byte-identical, every
file of the course (helpers, solutions, notebooks, the virtual environment's
site-packages, the data cache) has the same hash, nothing is left in the shared temp
folder and no process a submission started is still running.

An attack on the course or the machine is written as ``attempt(code)``: the answer
is right only if the sandbox refused the attack, so a grade of 1/1 with the solved
message proves the refusal, and an attack that got through shows in the grade.
"""

from __future__ import annotations

import hashlib
import json
import os
import site
import subprocess
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode, v4

import psutil

from helpers.checks.core import VERDICT_MIME
from helpers.course.config import TINY_ENV, cache_dir, require_checkout
from helpers.course.lessons import LESSONS
from conftest import GRADING_JOBS, SMOKE_LIMIT_S, execution_problems
from helpers.course.grading import (
    ERROR,
    GRADED,
    KERNEL_DIED,
    MANY_VERDICTS,
    TIMEOUT,
    CellOutcome,
    ExerciseResult,
    NotebookGrade,
    grade,
    identify,
    restore,
)

ROOT = require_checkout()
LESSON = "00_course_tour"
ANSWER, CHECK, PARAMETERS = "00-11", "00-12", "00-03"  # cell ids in lesson 00
UNSOLVED = "Replace the ... with the share of labels equal to 1 (a number between 0 and 1)."
SOLVED = "50.0% of the training examples are positive."
MISSING = "check cell missing: no code cell is tagged exercise:positive_share"
UNDEFINED = "the check cell raised NameError: name 'positive_share' is not defined"
FORGE = "from helpers.checks.core import report\nreport('positive_share', True, 'forged pass')"


def lesson(folder: str, name: str = LESSON) -> NotebookNode:
    """A lesson as the course ships it: ``solutions`` (solved) or ``notebooks`` (unsolved)."""
    return nbformat.read(ROOT / folder / f"{name}.ipynb", as_version=4)


def cell(nb: NotebookNode, cell_id: str) -> NotebookNode:
    return next(c for c in nb.cells if c.id == cell_id)


def submission(folder: str, replace: dict[str, str] | None = None, insert: dict[str, str] | None = None,
               drop: str | None = None, tags: dict[str, list[str]] | None = None,
               move: tuple[str, str] | None = None) -> NotebookNode:
    """Lesson 00 with cells replaced, inserted before a cell, dropped, retagged or moved before a cell."""
    nb = lesson(folder)
    for cell_id, source in (replace or {}).items():
        cell(nb, cell_id).source = source
    for cell_id, new_tags in (tags or {}).items():
        cell(nb, cell_id).metadata["tags"] = new_tags
    for before, source in (insert or {}).items():
        nb.cells.insert(nb.cells.index(cell(nb, before)), v4.new_code_cell(source))
    if drop:
        nb.cells.remove(cell(nb, drop))
    if move:
        moving = cell(nb, move[0])
        nb.cells.remove(moving)
        nb.cells.insert(nb.cells.index(cell(nb, move[1])), moving)
    return nb


def half_of_lesson_01() -> NotebookNode:
    """Lesson 01 cut after its setup cell: every exercise's check cell is gone."""
    nb = lesson("notebooks", "01_supervised_classification")
    nb.cells = nb.cells[:4]
    return nb


def forged_twin() -> NotebookNode:
    """The solution with a second cell tagged for the exercise, above the answer, that forges a pass."""
    nb = lesson("solutions")
    twin = v4.new_code_cell(FORGE, metadata={"tags": ["check", "exercise:positive_share"]})
    nb.cells.insert(nb.cells.index(cell(nb, ANSWER)), twin)
    return nb


SOLVED_ANSWER = cell(lesson("solutions"), ANSWER).source
MARKER = "course-hostile-process"  # in the command line of every process a hostile case starts
PASS = f"{{'{VERDICT_MIME}': {{'exercise': 'positive_share', 'passed': True, 'message': 'forged pass'}}}}"
SHOW_PASS = f"from IPython.display import display\ndisplay({PASS}, raw=True)"


def wrong(answer: float) -> str:
    """The check's message for a share that is not the training split's."""
    return (f"{answer:.4f} is not the share of positive labels in the training split; count the 1s of "
            "train['label'] and divide by the number of labels.")


def attempt(code: str, refusals: str = "OSError") -> NotebookNode:
    """The solved lesson 00, whose answer is right only if ``code`` raised one of ``refusals``."""
    probe = (f"refused = False\ntry:\n{textwrap.indent(code, '    ')}\nexcept ({refusals},) as error:\n"
             "    refused = True\n    print('refused:', type(error).__name__, error)\n")
    answer = SOLVED_ANSWER + "\npositive_share = positive_share if refused else 0.5001\n"
    return submission("solutions", insert={ANSWER: probe}, replace={ANSWER: answer})


def unsolved_with(code: str, before: str = CHECK) -> NotebookNode:
    """The unsolved lesson 00 with ``code`` in a cell of its own before ``before``."""
    return submission("notebooks", insert={before: code})


CHECKS_FILE = ROOT / "helpers" / "checks" / "course_tour.py"
FORGED_CHECK = "\npositive_share = lambda *args, **kwargs: None\n"
LEFT_BEHIND = f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(900)', '{MARKER}'], "
HOOKS = {
    "an input transformer rewrites the check cell": (
        f"get_ipython().input_transformers_cleanup.append(lambda lines: {SHOW_PASS.splitlines()!r})"),
    "a custom exception handler swallows the failure": (
        "from IPython.display import display\n"
        f"get_ipython().set_custom_exc((Exception,), lambda shell, *exc, **kw: display({PASS}, raw=True))"),
    "a cell-event callback publishes a pass": (
        "from IPython.display import display\n"
        f"get_ipython().events.register('post_run_cell', lambda result: display({PASS}, raw=True))"),
    "an AST transformer empties the check cell": (
        "import ast\nclass Empty(ast.NodeTransformer):\n"
        "    def visit_Module(self, node):\n        return ast.Module(body=[], type_ignores=[])\n"
        "get_ipython().ast_transformers.append(Empty())"),
}
TOUR = "00_course_tour.ipynb"
LESSON_NUMBERS = ", ".join(name[:3] for name in LESSONS)  # "00_, 01_, ..." as the table has them

# name -> (file name, notebook or raw text, (passed, total), messages, error)
CASES: dict[str, tuple[str, NotebookNode | str, tuple[int, int], list[str], str | None]] = {
    "wrong answer": (TOUR, submission("notebooks", replace={ANSWER: "labels = list(train['label'])\n"
                                                                   "positive_share = 0.4"}),
                     (0, 1), [wrong(0.4)], None),
    "check cell deleted": (TOUR, submission("notebooks", drop=CHECK), (0, 1), [MISSING], None),
    "check cell replaced by a pass": (TOUR, submission("notebooks", replace={CHECK: FORGE}),
                                      (0, 1), [UNSOLVED], None),
    "check function replaced": (TOUR, submission("notebooks", insert={CHECK: (
        "import helpers.checks.course_tour as tour\n"
        "from helpers.checks.core import report\n"
        "tour.positive_share = lambda *args: report('positive_share', True, 'forged pass')")}),
        (0, 1), [UNSOLVED], None),
    "report function replaced": (TOUR, submission("notebooks", insert={CHECK: (
        "import helpers.checks.core as core\n"
        "core.report = lambda exercise, passed, message: print('PASS', exercise)\n"
        "core.grading_mode = lambda: False")}), (0, 1), [UNSOLVED], None),
    "forged line in the grade log": (TOUR, submission("notebooks", insert={CHECK: (
        "import json, os\n"
        "with open(os.environ['COURSE_GRADE_LOG'], 'a') as log:\n"
        "    log.write(json.dumps({'exercise': 'positive_share', 'passed': True, 'message': 'forged'}) + '\\n')")}),
        (0, 1), [UNSOLVED], None),
    "grading mode switched off": (TOUR, submission("notebooks", insert={
        CHECK: "import os\nos.environ['COURSE_GRADING'] = '0'"}), (0, 1), [UNSOLVED], None),
    "grade log redirected": (TOUR, submission("notebooks", insert={
        CHECK: "import os\nos.environ['COURSE_GRADE_LOG'] = os.devnull"}), (0, 1), [UNSOLVED], None),
    "exercise tag renamed": (TOUR, submission("notebooks", tags={CHECK: ["check", "exercise:share_v2"]}),
                             (0, 1), [MISSING], None),
    "check cell moved above the answer": (TOUR, submission("solutions", move=(CHECK, ANSWER)),
                                          (0, 1), [UNDEFINED], None),
    "a forged twin of the check cell above it": (TOUR, forged_twin(), (1, 1), [SOLVED], None),
    "exception in the answer": (TOUR, submission("notebooks", replace={
        ANSWER: "labels = list(train['label'])\npositive_share = 1 / 0"}), (0, 1), [UNDEFINED], None),
    "parameters cell changed": (TOUR, submission("solutions", replace={
        PARAMETERS: 'profile = "full"\nseed = 42',
        ANSWER: "labels = list(train['label'])\n"
                "positive_share = sum(labels) / len(labels) if settings.profile == 'smoke' else 0.0"}),
        (1, 1), [SOLVED], None),
    "writes and deletes files in its folder": (TOUR, submission("solutions", replace={ANSWER: (
        "import os\n"
        "open('scribble.txt', 'w').write('written by a submission')\n"
        "for name in os.listdir('.'):\n"
        "    if name != 'scribble.txt' and os.path.isfile(name):\n"
        "        os.remove(name)\n" + SOLVED_ANSWER)}), (1, 1), [SOLVED], None),
    "50 MB of output": (TOUR, submission("solutions", replace={
        ANSWER: "print('x' * 50_000_000)\n" + SOLVED_ANSWER}), (1, 1), [SOLVED], None),
    "kernel exits": (TOUR, submission("notebooks", replace={ANSWER: "import os\nos._exit(1)"}),
                     (0, 1), ["not run: the kernel had stopped"],
                     "the kernel died with exit code 1 in code cell 7 ('import os')"),
    "infinite loop": (TOUR, submission("notebooks", replace={ANSWER: "while True:\n    pass"}),
                      (0, 1), [UNDEFINED],
                      "code cell 7 ('while True:'): Timeout of 20 seconds exceeded executing cell"),
    "renamed file, lesson from its metadata": ("my homework.ipynb",
                                               submission("notebooks", replace={ANSWER: SOLVED_ANSWER}),
                                               (1, 1), [SOLVED], None),
    "no cells": (TOUR, v4.new_notebook(), (0, 0), [], "the notebook has no cells: nothing to grade"),
    "not a lesson of the course": ("homework.ipynb", v4.new_notebook(cells=[v4.new_code_cell("print(1)")]),
                                   (0, 0), [], "not a lesson of this course: its metadata names no lesson and "
                                   f"its file name does not start with a lesson number ({LESSON_NUMBERS}). Submit the "
                                   "lesson's notebook, e.g. 01_supervised_classification.ipynb."),
    "not JSON": (TOUR, "this is not a notebook", (0, 0), [], "not a notebook: NotJSONError: "),
    "half of lesson 01": ("01_supervised_classification.ipynb", half_of_lesson_01(), (0, 3), [
        "check cell missing: no code cell is tagged exercise:f1_by_hand",
        "check cell missing: no code cell is tagged exercise:per_class_f1",
        "check cell missing: no code cell is tagged exercise:pipeline"], None),

    # --- what one submission does cannot reach the course or another submission (issue 23) ---
    "course files: edits the lesson's checks module": (TOUR, attempt(
        f"open({str(CHECKS_FILE)!r}, 'a').write({FORGED_CHECK!r})"), (1, 1), [SOLVED], None),
    "course files: writes a forged .pyc with the real file's mtime and size": (TOUR, attempt(
        "import importlib.util, importlib._bootstrap_external as external, os\n"
        f"source = {str(CHECKS_FILE)!r}\n"
        f"code = compile(open(source).read() + {FORGED_CHECK!r}, source, 'exec')\n"
        "info = os.stat(source)\n"
        "pyc = importlib.util.cache_from_source(source)\n"
        "os.makedirs(os.path.dirname(pyc), exist_ok=True)\n"
        "open(pyc, 'wb').write(external._code_to_timestamp_pyc(code, int(info.st_mtime), info.st_size))"),
        (1, 1), [SOLVED], None),
    "course files: rewrites the shipped check cell in solutions/": (TOUR, attempt(
        f"path = {str(ROOT / 'solutions' / TOUR)!r}\n"
        "text = open(path).read()\n"
        "open(path, 'w').write(text.replace('checks.positive_share(', 'print('))"), (1, 1), [SOLVED], None),
    "environment: a .pth file in site-packages": (TOUR, attempt(
        f"open({str(Path(site.getsitepackages()[0]) / 'course_forge.pth')!r}, 'w').write("
        "\"import os; os.environ['COURSE_GRADING'] = '0'\\n\")"), (1, 1), [SOLVED], None),
    "environment: an IPython startup file in the teacher's home": (TOUR, attempt(
        f"folder = {str(Path.home() / '.ipython' / 'profile_default' / 'startup')!r}\n"
        "import os\nos.makedirs(folder, exist_ok=True)\n"
        "open(os.path.join(folder, '00-course-forge.py'), 'w').write("
        "\"import helpers.checks.core as core\\ncore.grading_mode = lambda: False\\n\")"), (1, 1), [SOLVED], None),
    "environment: an IPython startup file in its own profile": (TOUR, unsolved_with(
        "import os\nstartup = get_ipython().profile_dir.startup_dir\nos.makedirs(startup, exist_ok=True)\n"
        "open(os.path.join(startup, '00-course-forge.py'), 'w').write("
        "\"import helpers.checks.core as core\\ncore.grading_mode = lambda: False\\n\")"), (0, 1), [UNSOLVED], None),
    "shared data: rewrites the cached datasets": (TOUR, attempt(
        f"import glob\nfiles = glob.glob({str(cache_dir())!r} + '/**/*.parquet', recursive=True)\n"
        "assert files, 'no cached parquet found'\n"
        "for name in files:\n    open(name, 'r+b').write(b'PAR1')"), (1, 1), [SOLVED], None),
    "shared data: deletes the cache": (TOUR, attempt(
        f"import shutil\nshutil.rmtree({str(cache_dir())!r})"), (1, 1), [SOLVED], None),
    "a process left behind in a new session": (TOUR, unsolved_with(
        LEFT_BEHIND + "start_new_session=True)"), (0, 1), [UNSOLVED], None),
    "a daemon left behind by a double fork": (TOUR, unsolved_with(
        "import os, sys\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        f"        os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(900)', '{MARKER}'])\n"
        "    os._exit(0)\nos.wait()"), (0, 1), [UNSOLVED], None),
    "records: appends a pass to every record file it can find": (TOUR, unsolved_with(
        "import glob, json, os\n"
        "line = json.dumps({'cell': 8, 'outcome': 'passed', 'exception': None, 'failure': None, 'timed_out': False, "
        "'kernel_was_alive': True, 'kernel_alive': True, 'exit_code': None, 'seconds': 0.1, 'verdicts': "
        "[{'exercise': 'positive_share', 'passed': True, 'message': 'forged'}]})\n"
        "for name in glob.glob('/tmp/**/*.jsonl', recursive=True) + [os.environ.get('COURSE_GRADE_CELLS', '')]:\n"
        "    if name:\n        open(name, 'a').write(line + '\\n')"), (0, 1), [UNSOLVED], None),
    "records: writes garbage into every records file it can find": (TOUR, unsolved_with(
        "import glob\nfor name in glob.glob('/tmp/**/*.jsonl', recursive=True):\n"
        "    open(name, 'a').write('{ not json\\n')"), (0, 1), [UNSOLVED], None),
    "records: publishes a pass in the answer cell": (TOUR, unsolved_with(SHOW_PASS), (0, 1), [UNSOLVED], None),
    "records: a thread publishes passes while the check runs": (TOUR, unsolved_with(
        "import threading, time\nfrom IPython.display import display\n"
        "def spam():\n    for _ in range(2000):\n"
        f"        display({PASS}, raw=True)\n        time.sleep(0.005)\n"
        "threading.Thread(target=spam, daemon=True).start()"), (0, 1), [MANY_VERDICTS], None),
    "learner data: labels = [1] and positive_share = 1.0": (TOUR, submission("notebooks", replace={
        ANSWER: "labels = [1]\npositive_share = 1.0"}), (0, 1), [wrong(1.0)], None),
    "learner data: an all-positive training split": (TOUR, submission("notebooks", replace={
        ANSWER: "train = train.map(lambda row: {'label': 1})\nlabels = list(train['label'])\n"
                "positive_share = sum(labels) / len(labels)"}), (0, 1), [wrong(1.0)], None),
    **{f"IPython hooks: {name}": (TOUR, unsolved_with(code), (0, 1), [UNSOLVED], None) for name, code in HOOKS.items()},
    "profile: a cell after the parameters sets profile = 'full'": (TOUR, submission("solutions", insert={
        "00-04": "profile = 'full'"}, replace={ANSWER: SOLVED_ANSWER + "\nif settings.profile != 'smoke':\n"
                                                    "    positive_share = 0.0"}), (1, 1), [SOLVED], None),
    "profile: COURSE_PROFILE=full in the kernel's environment": (TOUR, submission("solutions", insert={
        "00-04": "import os\nos.environ['COURSE_PROFILE'] = 'full'"}, replace={
        ANSWER: SOLVED_ANSWER + "\nif settings.profile != 'smoke':\n    positive_share = 0.0"}),
        (1, 1), [SOLVED], None),
    "limits: allocates 8 GiB at once": (TOUR, attempt("block = bytearray(8 << 30)", "MemoryError"),
                                        (1, 1), [SOLVED], None),
    "limits: allocates an 8 GiB NumPy array": (TOUR, attempt(
        "import numpy\nblock = numpy.zeros(1 << 30)", "MemoryError"), (1, 1), [SOLVED], None),
    "limits: writes 2 GiB to /tmp": (TOUR, attempt(
        f"import os\nwith open('/tmp/{MARKER}.bin', 'wb') as out:\n"
        "    for _ in range(2048):\n        out.write(bytes(1 << 20))"), (1, 1), [SOLVED], None),
    "limits: writes one file over the size limit in its folder": (TOUR, attempt(
        f"with open('{MARKER}.bin', 'wb') as out:\n    for _ in range(600):\n        out.write(bytes(1 << 20))"),
        (1, 1), [SOLVED], None),
    "after the attacks: the unsolved lesson": (TOUR, lesson("notebooks"), (0, 1), [UNSOLVED], None),
    "after the attacks: the solved lesson": (TOUR, lesson("solutions"), (1, 1), [SOLVED], None),
}


def git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout


def course_hashes(folders: list[Path] | None = None) -> dict[str, str]:
    """A hash of every file of the course: helpers, solutions, notebooks, site-packages (or of ``folders``)."""
    folders = folders or [ROOT / "helpers", ROOT / "solutions", ROOT / "notebooks", *map(Path, site.getsitepackages())]
    hashes = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                with path.open("rb") as handle:
                    hashes[str(path)] = hashlib.file_digest(handle, "blake2b").hexdigest()
    return hashes


@contextmanager
def shared_temp_folder(folder: Path) -> Iterator[None]:
    """Make ``folder`` the grader's shared temp folder (``tempfile``'s), so that another test's gradings
    running beside this one leave nothing in it; afterwards it must be empty again, and the machine's
    ``/tmp`` must hold nothing a hostile case wrote. ``TMPDIR`` too, for the Dask workers of ``jobs=2``."""
    folder.mkdir()
    previous, tempfile.tempdir = tempfile.tempdir, str(folder)
    previous_env, os.environ["TMPDIR"] = os.environ.get("TMPDIR"), str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = previous
        if previous_env is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = previous_env
    assert os.listdir(folder) == [], "grading left something in the shared temp folder"
    assert [name for name in os.listdir("/tmp") if MARKER in name] == [], "a submission wrote to the machine's /tmp"


def hostile_processes() -> list[str]:
    """The command lines of processes a hostile case started, still running."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if MARKER in " ".join(process.info["cmdline"] or []):
            found.append(" ".join(process.info["cmdline"]))
    return found


def write_cases(cases: dict, folder_of: Callable[[str], Path]) -> dict[str, Path]:
    paths = {}
    for name, (file_name, content, *_) in cases.items():
        folder = folder_of(name)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / file_name
        if isinstance(content, str):
            path.write_text(content)
        else:
            nbformat.write(content, path)
        paths[name] = path
    return paths


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, NotebookGrade]:
    """Every case graded once, ``GRADING_JOBS`` at a time; checks that nothing of the course or machine changed."""
    status, hashes, cache = git_status(), course_hashes(), course_hashes([cache_dir()])
    numbers = {name: number for number, name in enumerate(CASES)}
    paths = write_cases(CASES, lambda name: tmp_path_factory.mktemp(f"case{numbers[name]:02d}"))
    before = {name: (path.read_bytes(), path.stat().st_mtime_ns) for name, path in paths.items()}
    with shared_temp_folder(tmp_path_factory.mktemp("shared") / "tmp"):
        grades = grade(list(paths.values()), cell_timeout=20, notebook_timeout=300, jobs=GRADING_JOBS)
    assert {name: (path.read_bytes(), path.stat().st_mtime_ns) for name, path in paths.items()} == before
    assert git_status() == status, "grading changed the checkout"
    assert course_hashes() == hashes, "grading changed a file of the course"
    # The cache: every file as it was. (Tests running beside this one may add files to it.)
    assert {path: digest for path, digest in course_hashes([cache_dir()]).items() if path in cache} == cache, (
        "grading changed a file of the data cache")
    assert hostile_processes() == [], "a process a submission started outlived its grading"
    return dict(zip(CASES, grades))


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_hostile_submission_gets_the_exact_grade(graded: dict, case: str) -> None:
    _, _, (passed, total), messages, error = CASES[case]
    result = graded[case]
    assert (result.passed, result.total) == (passed, total)
    assert [r.message for r in result.results] == messages
    if error is not None and error.endswith(": "):
        assert result.error is not None and result.error.startswith(error), result.error
    else:
        assert result.error == error


@pytest.mark.slow
def test_suite_kinds_and_lessons(graded: dict) -> None:
    assert len(CASES) >= 15
    assert {result.lesson for result in graded.values()} == {None, "00_course_tour", "01_supervised_classification"}


@pytest.mark.slow
def test_a_dead_kernel_is_reported_within_seconds(graded: dict) -> None:
    """The cell whose kernel died ends within seconds, not after its 20 s cell limit."""
    result = graded["kernel exits"]
    died = next(cell for cell in result.cells if cell.cell == 7)
    assert died.outcome == "failed" and died.seconds < 5, died
    assert result.status == KERNEL_DIED


@pytest.mark.slow
def test_each_submission_has_the_status_its_error_says(graded: dict) -> None:
    """graded with no error; a timeout, a dead kernel or any other error by its message."""
    for name, result in graded.items():
        expected = (GRADED if result.error is None else TIMEOUT if "Timeout" in result.error or "limit" in result.error
                    else KERNEL_DIED if result.error.startswith("the kernel died") else ERROR)
        assert result.status == expected, (name, result.error)


@pytest.mark.slow
def test_cell_errors_are_errors_not_verdicts(graded: dict) -> None:
    """A wrong answer is graded, not an error; an exception, in an answer or a check cell, is."""
    assert graded["wrong answer"].cell_errors == []
    assert [(cell.cell, cell.exercise) for cell in graded["wrong answer"].cells if cell.outcome == "failed"] == [
        (8, "positive_share")]
    assert graded["exception in the answer"].cell_errors == [
        "code cell 7: ZeroDivisionError: division by zero",
        "code cell 8: NameError: name 'positive_share' is not defined"]
    solved = graded["renamed file, lesson from its metadata"]
    assert solved.cell_errors == [] and len(solved.cells) == 9 and 0 < solved.seconds < 90


NEIGHBOURS = {
    "appends a failing record to its neighbour's records": (TOUR, attempt(
        "import glob, json, time\nfor _ in range(60):\n"
        "    for name in glob.glob('/tmp/course-grade-*/grader/cells.jsonl'):\n"
        "        open(name, 'a').write(json.dumps({'cell': 8, 'outcome': 'failed'}) + '\\n')\n"
        "    time.sleep(0.25)\n"
        "raise FileNotFoundError('no neighbour found')"), (1, 1), [SOLVED], None),
    "honest neighbour of the first": (TOUR, lesson("solutions"), (1, 1), [SOLVED], None),
    "kills every other kernel it can see": (TOUR, attempt(
        "import os, signal, time\nfor _ in range(60):\n"
        "    for pid in [int(p) for p in os.listdir('/proc') if p.isdigit()]:\n"
        "        command = open(f'/proc/{pid}/cmdline', 'rb').read()\n"
        "        if b'ipykernel' in command and pid != os.getpid():\n"
        "            os.kill(pid, signal.SIGKILL)\n"
        "    time.sleep(0.25)\n"
        "raise ProcessLookupError('no other kernel found')"), (1, 1), [SOLVED], None),
    "honest neighbour of the second": (TOUR, lesson("solutions"), (1, 1), [SOLVED], None),
}


@pytest.mark.slow
def test_a_submission_cannot_reach_the_one_graded_beside_it(tmp_path: Path) -> None:
    """Two at a time (``--jobs 2``): an attacker next to an honest submission, twice."""
    paths = write_cases(NEIGHBOURS, lambda name: (tmp_path / str(list(NEIGHBOURS).index(name))))
    with shared_temp_folder(tmp_path / "tmp"):
        grades = grade(list(paths.values()), cell_timeout=40, notebook_timeout=300, jobs=2)
    for (name, (_, _, (passed, total), messages, error)), result in zip(NEIGHBOURS.items(), grades):
        assert ((result.passed, result.total), [r.message for r in result.results], result.error) == (
            (passed, total), messages, error), name
    assert hostile_processes() == []


@pytest.mark.slow
def test_the_whole_notebook_has_a_time_limit(tmp_path: Path) -> None:
    path = tmp_path / TOUR
    nbformat.write(submission("solutions", replace={ANSWER: "import time\ntime.sleep(600)"}), path)
    started = time.perf_counter()
    (result,) = grade([path], cell_timeout=600, notebook_timeout=15)
    assert time.perf_counter() - started < 45
    assert result.status == TIMEOUT
    assert result.error == ("the notebook ran past its limit of 15 s for the whole notebook "
                            "and was stopped in code cell 7")
    assert [(r.passed, r.message) for r in result.results] == [(False, "not run")]


@pytest.mark.slow
def test_the_kernel_gets_the_tiny_data_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``COURSE_TINY=1`` (make test-full-shape) reaches the sandboxed kernel, which has only the grader's variables."""
    monkeypatch.setenv(TINY_ENV, "1")
    path = tmp_path / TOUR
    answer = f"import os\nassert os.environ.get({TINY_ENV!r}) == '1', 'no tiny data'\n{SOLVED_ANSWER}"
    nbformat.write(submission("solutions", replace={ANSWER: answer}), path)
    (result,) = grade([path], cell_timeout=60, notebook_timeout=120)
    assert (result.status, result.cell_errors, result.passed) == (GRADED, [], 1)


# --- pieces, without a kernel -------------------------------------------------------


def test_restore_puts_back_checks_and_parameters_and_finds_the_last_check_cell() -> None:
    shipped = lesson("solutions")
    hostile = submission("notebooks", replace={CHECK: FORGE, PARAMETERS: "profile = 'full'"},
                         insert={ANSWER: "x = 1"})
    cell(hostile, CHECK).metadata["tags"] = ["exercise:positive_share", "nbval-skip"]
    restored, check_at = restore(hostile, shipped)
    assert cell(restored, CHECK).source == cell(shipped, CHECK).source
    assert cell(restored, CHECK).metadata["tags"] == ["check", "exercise:positive_share"]
    assert cell(restored, PARAMETERS).source == cell(shipped, PARAMETERS).source
    code = [c for c in restored.cells if c.cell_type == "code"]
    assert code[check_at["positive_share"]].id == CHECK
    assert cell(hostile, CHECK).source == FORGE  # the submission itself is not changed


def test_identify_by_metadata_then_by_file_number() -> None:
    built = lesson("notebooks")
    assert identify(built, Path("anything.ipynb")) == LESSON
    bare = v4.new_notebook()
    assert identify(bare, Path("01_supervised_classification (1).ipynb")) == "01_supervised_classification"
    assert identify(bare, Path("99_unknown.ipynb")) is None
    assert identify(bare, Path("homework.ipynb")) is None


def test_json_that_is_no_notebook_gets_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / TOUR
    path.write_text('{"nbformat": 4}')
    (result,) = grade([path])
    assert (result.results, result.lesson) == ([], None)
    assert result.error.startswith("not a notebook: ")


def test_missing_submission_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="absent.ipynb"):
        grade([tmp_path / "absent.ipynb"])
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        grade([ROOT / "solutions" / TOUR], jobs=0)


def test_execution_problems_name_a_skipped_cell_an_error_and_a_slow_run() -> None:
    """What the lesson tests refuse in each of their three executions."""
    cells = [CellOutcome(1, "passed"), CellOutcome(2, "failed", "ExerciseFailed: [x] not yet", "x"),
             CellOutcome(3, "passed")]
    clean = NotebookGrade(Path("a.ipynb"), cells=cells, seconds=SMOKE_LIMIT_S - 1)
    assert execution_problems(clean, code_cells=3) == []
    assert execution_problems(clean, code_cells=4) == ["4 code cells, but these ran: [1, 2, 3]"]
    broken = NotebookGrade(Path("a.ipynb"), cells=[CellOutcome(1, "failed", "KeyError: 'text'"),
                                                   CellOutcome(2, "failed", "TypeError: bad", "x")], seconds=95.2)
    assert execution_problems(broken, code_cells=2) == [
        "code cell 1: KeyError: 'text'", "code cell 2: TypeError: bad",
        f"the execution took 95 s, over the {SMOKE_LIMIT_S} s limit: make the lesson's profile "
        "smaller in helpers/course/lessons.py"]
