"""The install paths name the same versions, and the package imports fast."""

import json
import platform
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from conftest import course_distributions
from helpers.course.home import home
from helpers.course.lessons import LESSONS

ROOT = Path(__file__).resolve().parent.parent


# Needed at run time though no lesson names it: transformers' Trainer imports it.
NEEDED_UNNAMED = {"accelerate"}


def pins(lines):
    """{name: version} for every `name==version` in lines, names normalised as pip does."""
    found = {}
    for line in lines:
        match = re.search(r"^\s*([A-Za-z0-9_.\-]+)==([0-9][^\s\"',;]*)", line)
        if match:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def requirements():
    """Every requirement of pyproject.toml: the dependencies and each extra's."""
    project = pyproject()
    return [Requirement(r) for r in project["dependencies"] + sum(project["optional-dependencies"].values(), [])]


def test_constraints_pin_every_requirement_within_its_range():
    pinned = pins((ROOT / "constraints.txt").read_text().splitlines())
    for requirement in requirements():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"constraints.txt has no exact version of {name}"
        assert requirement.specifier.contains(pinned[name]), f"{name}=={pinned[name]} is outside {requirement}"


def test_make_and_conda_install_with_the_constraints():
    makefile = (ROOT / "Makefile").read_text()
    assert "-c constraints.txt torch" in makefile and '-c constraints.txt -e ".[lab,test]"' in makefile
    conda = (ROOT / "environment.yml").read_text().splitlines()
    assert "- -c constraints.txt" in [line.strip() for line in conda]
    assert "- -e .[lab,test]" in [line.strip() for line in conda]
    assert pins(conda) == {}, "environment.yml should take its versions from constraints.txt"


def test_requires_python_admits_the_tested_pythons():
    supported = SpecifierSet(pyproject()["requires-python"])
    conda_python = re.search(r"python=(\S+)", (ROOT / "environment.yml").read_text()).group(1)
    assert conda_python in supported
    assert platform.python_version() in supported
    assert "3.10" not in supported, "the pinned transformers, scikit-learn and matplotlib need 3.11"


def test_runtime_dependencies_are_what_the_lessons_import():
    declared = {canonicalize_name(Requirement(r).name) for r in pyproject()["dependencies"]}
    assert declared == course_distributions(tooling=False) | NEEDED_UNNAMED


def test_every_notebook_has_the_badge_and_install_cell_of_the_release():
    where = home()
    paths = sorted(ROOT.glob("*/[0-9][0-9]_*.ipynb"))
    assert len(paths) > 2, "no notebooks found"
    for path in paths:
        nb = json.loads(path.read_text())
        cells = [c for c in nb["cells"] if "colab" in c["metadata"].get("tags", [])]
        assert ["".join(c["source"]) for c in cells] == [where.install_cell()], path
        assert where.badge(path.stem) in "".join(nb["cells"][0]["source"]), path
        assert f"@{where.tag}" in where.install_cell() and where.tag == f"v{pyproject()['version']}"
        assert nb["metadata"].get("accelerator") == ("GPU" if LESSONS[path.stem].trains else None), path
    readme = (ROOT / "README.md").read_text()
    assert where.requirement() in readme and pyproject()["urls"]["Repository"] in readme


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
    assert "make test" in (ROOT / "README.md").read_text()


def test_console_command_is_declared():
    assert pyproject()["scripts"]["course"] == "helpers.course.cli:main"


def test_import_helpers_is_fast_and_does_not_import_torch():
    code = ("import sys, time; t = time.perf_counter(); import helpers; "
            "print(time.perf_counter() - t, 'torch' in sys.modules, 'datasets' in sys.modules)")
    best = min(
        (subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
         for _ in range(2)), key=lambda out: float(out[0]))
    seconds, torch_loaded, datasets_loaded = best
    assert float(seconds) < 2.0
    assert torch_loaded == "False" and datasets_loaded == "False"


def test_data_and_runs_are_git_ignored():
    ignored = (ROOT / ".gitignore").read_text().split()
    for folder in (".venv/", ".cache/", "runs/"):
        assert folder in ignored
