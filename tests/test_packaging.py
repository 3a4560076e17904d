"""The install paths name the same versions, and the package imports fast."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pins(lines):
    """{name: version} for every `name==version` in lines."""
    found = {}
    for line in lines:
        match = re.search(r"([A-Za-z0-9_.\-]+)==([0-9][^\s\"',;]*)", line)
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_environment_yml_matches_pyproject_and_makefile():
    project = pyproject()
    extras = project["optional-dependencies"]
    declared = pins(project["dependencies"] + extras["lab"] + extras["test"])
    conda = pins((ROOT / "environment.yml").read_text().splitlines())
    torch = re.search(r"TORCH_VERSION := (\S+)", (ROOT / "Makefile").read_text()).group(1)
    assert conda.pop("torch") == torch
    assert conda == declared
    assert "-e ." in (ROOT / "environment.yml").read_text()


def test_pyproject_torch_range_admits_the_pinned_torch():
    torch_req = next(d for d in pyproject()["dependencies"] if d.startswith("torch"))
    minimum = re.search(r">=([0-9.]+)", torch_req).group(1)
    pinned = re.search(r"TORCH_VERSION := (\S+)", (ROOT / "Makefile").read_text()).group(1)
    as_tuple = lambda v: tuple(int(x) for x in v.split("."))
    assert as_tuple(minimum) <= as_tuple(pinned)


def colab_lines():
    """The install line of the README and of every notebook's Colab cell."""
    lines = {"README.md": re.findall(r"^%pip install .*$", (ROOT / "README.md").read_text(), re.M)}
    for path in sorted(ROOT.glob("*/[0-9][0-9]_*.ipynb")):
        cells = [c for c in json.loads(path.read_text())["cells"] if "colab" in c["metadata"].get("tags", [])]
        assert len(cells) == 1, f"{path.name} needs exactly one cell tagged colab"
        lines[path.name] = [l.strip() for l in "".join(cells[0]["source"]).splitlines() if "%pip" in l]
    return lines


def test_colab_install_line_is_the_same_everywhere_and_installs_this_project():
    lines = colab_lines()
    assert len(lines) > 2, "no notebooks found"
    distinct = {tuple(v) for v in lines.values()}
    assert len(distinct) == 1, lines
    (line,) = distinct.pop()
    assert f"{pyproject()['name']} @ git+https://" in line


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
