"""``course build``: generate ``notebooks/`` from ``solutions/`` and keep them in sync.

A code cell tagged ``solution`` holds one or more blocks::

    ### BEGIN SOLUTION
    #STUB answer = ...  # your code here
    answer = 42
    ### END SOLUTION

The learner's notebook gets each block replaced by its ``#STUB`` lines (prefix
removed, at the marker's indentation). A code cell tagged ``check`` and
``exercise:<name>`` checks one exercise. Stored notebooks carry no outputs, and
their metadata names their lesson (``{"course": {"lesson": "<file name>"}}``),
which is how ``course grade`` recognises a renamed submission. Each solution's badge,
Colab install cell and Colab metadata are written from ``pyproject.toml``
(:mod:`helpers.course.home`) in both folders.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from helpers.course.config import require_checkout
from helpers.course.home import Home, home, stamp

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = "#STUB"
SOLUTION_TAG = "solution"
CHECK_TAG = "check"
EXERCISE_TAG_PREFIX = "exercise:"
PARAMETERS_TAG = "parameters"


def lesson_of(nb: NotebookNode) -> str | None:
    """The lesson a notebook's metadata names, if any."""
    course = nb.metadata.get("course")
    return course.get("lesson") if isinstance(course, dict) else None


def clean(nb: NotebookNode, lesson: str | None = None) -> NotebookNode:
    """A copy of ``nb`` without outputs, execution counts or widget state, naming ``lesson`` if given."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    if lesson is not None:
        nb.metadata["course"] = {"lesson": lesson}
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def build_notebook(source: NotebookNode, lesson: str | None = None) -> NotebookNode:
    """The learner's notebook for a solution notebook: clean, solution blocks replaced by stubs.

    Raises ValueError for a malformed solution cell (no block, a block without
    ``#STUB`` line, unbalanced markers), markers in a cell not tagged ``solution``,
    or a malformed check cell (see :func:`check_cells`).
    """
    check_cells(source)
    nb = clean(source, lesson)
    for index, cell in enumerate(nb.cells):
        tagged = SOLUTION_TAG in cell_tags(cell)
        if not tagged and not _has_markers(cell.source):
            continue
        where = _describe(index, cell)
        if not tagged:
            raise ValueError(f"{where} has solution markers but no {SOLUTION_TAG!r} tag: tag it, "
                             "or its solution would be published.")
        if cell.cell_type != "code":
            raise ValueError(f"{where} is tagged {SOLUTION_TAG!r} but is not a code cell.")
        cell.source = "\n".join(_stub_lines(cell.source, where))
    return nb


def exercise_names(nb: NotebookNode) -> list[str]:
    """The exercises of a notebook, in order: the ``exercise:<name>`` tags of its check cells."""
    return [name for name, _ in check_cells(nb)]


def check_cells(nb: NotebookNode) -> list[tuple[str, int]]:
    """``(exercise, code cell number)`` of each check cell; code cells are counted from 0, as nbval does.

    Raises ValueError if a check cell is not a code cell, has no or several
    ``exercise:<name>`` tags, or if two check cells share an exercise.
    """
    found: list[tuple[str, int]] = []
    code_cells = 0
    for index, cell in enumerate(nb.cells):
        tags = cell_tags(cell)
        if CHECK_TAG in tags:
            names = exercise_tags(cell)
            where = _describe(index, cell)
            if cell.cell_type != "code":
                raise ValueError(f"{where} is tagged {CHECK_TAG!r} but is not a code cell.")
            if len(names) != 1 or not names[0]:
                raise ValueError(f"{where} is a check cell and needs exactly one "
                                 f"'{EXERCISE_TAG_PREFIX}<name>' tag; it has {names or 'none'}.")
            if names[0] in [name for name, _ in found]:
                raise ValueError(f"{where}: exercise {names[0]!r} already has a check cell.")
            found.append((names[0], code_cells))
        code_cells += cell.cell_type == "code"
    return found


def build_notebooks(solutions_dir: Path | None = None, notebooks_dir: Path | None = None) -> list[Path]:
    """Write the learner's notebook of every ``solutions/*.ipynb``; return the paths written.

    Also strips outputs from the solution files. Files are rewritten only when
    their content changes.
    """
    solutions_dir, notebooks_dir = _folders(solutions_dir, notebooks_dir)
    where = home()
    solutions = {path: _stamped(nbformat.read(path, as_version=4), path, where)
                 for path in sorted(solutions_dir.glob("*.ipynb"))}
    built = {path: _build_file(solution, path) for path, solution in solutions.items()}  # all or nothing
    notebooks_dir.mkdir(parents=True, exist_ok=True)
    for path, solution in solutions.items():
        _write_if_changed(clean(solution, path.stem), path)
        _write_if_changed(built[path], notebooks_dir / path.name)
    return [notebooks_dir / path.name for path in solutions]


def sync_problems(solutions_dir: Path | None = None, notebooks_dir: Path | None = None) -> list[str]:
    """What is wrong between ``solutions/`` and ``notebooks/``, one human-readable line each.

    Reports malformed solutions, notebooks out of sync with (or missing) their
    solution, stored outputs or widget state, and solution lines that leaked
    into a learner's notebook. An empty list means all is well.
    """
    solutions_dir, notebooks_dir = _folders(solutions_dir, notebooks_dir)
    solutions = {path.name: path for path in sorted(solutions_dir.glob("*.ipynb"))}
    notebooks = {path.name: path for path in sorted(notebooks_dir.glob("*.ipynb"))} if notebooks_dir.is_dir() else {}
    problems = [f"{path} has no solution {solutions_dir / name}: add the solution or delete the notebook."
                for name, path in notebooks.items() if name not in solutions]
    for path in [*solutions.values(), *notebooks.values()]:
        problems += [f"{path} {problem}: run `course build` to strip it." for problem in _stored_state(path)]
    where = home()
    for name, solution_path in solutions.items():
        notebook_path = notebooks_dir / name
        solution = nbformat.read(solution_path, as_version=4)
        try:
            stamped = _stamped(solution, solution_path, where)
            expected = _build_file(stamped, solution_path)
        except ValueError as error:
            problems.append(str(error))
            continue
        if _text(clean(stamped, solution_path.stem)) != _text(clean(solution, solution_path.stem)):
            problems.append(f"{solution_path}: its badge, Colab cell or Colab metadata differ from "
                            "pyproject.toml: run `course build`.")
        if name not in notebooks:
            problems.append(f"{notebook_path} is missing: run `course build`.")
            continue
        if notebook_path.read_text(encoding="utf8") != _text(expected):
            problems.append(f"{notebook_path} is out of sync with {solution_path}: run `course build`.")
        published = _lines(nbformat.read(notebook_path, as_version=4)) - _lines(expected)  # stubs may repeat a line
        problems += [f"{notebook_path} leaks a solution line of {solution_path}: {line!r}"
                     for line in _solution_lines(solution) if line in published]
    return problems


def _folders(solutions_dir: Path | None, notebooks_dir: Path | None) -> tuple[Path, Path]:
    """The folders to use, defaulting to the checkout's ``solutions/`` and ``notebooks/``."""
    solutions_dir = solutions_dir or require_checkout() / "solutions"
    notebooks_dir = notebooks_dir or require_checkout() / "notebooks"
    if not solutions_dir.is_dir():
        raise FileNotFoundError(f"No solutions folder at {solutions_dir}.")
    return solutions_dir, notebooks_dir


def _stamped(solution: NotebookNode, path: Path, where: Home) -> NotebookNode:
    """:func:`helpers.course.home.stamp`, with the file named in its errors."""
    try:
        return stamp(solution, path.stem, where)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from error


def _build_file(solution: NotebookNode, path: Path) -> NotebookNode:
    """:func:`build_notebook`, with the file named in its errors."""
    try:
        return build_notebook(solution, path.stem)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from error


def _stub_lines(source: str, where: str) -> list[str]:
    """The lines of a solution cell with each block replaced by its stubs."""
    lines: list[str] = []
    block: list[str] | None = None  # stubs of the open block
    indent = ""
    blocks = 0
    for number, line in enumerate(source.split("\n"), start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if block is not None:
                raise ValueError(f"{where}, line {number}: {BEGIN!r} inside an open block.")
            block, indent = [], line[: len(line) - len(line.lstrip())]
        elif stripped == END:
            if block is None:
                raise ValueError(f"{where}, line {number}: {END!r} without {BEGIN!r}.")
            if not block:
                raise ValueError(f"{where}, line {number}: the block has no '{STUB} ' line "
                                 "(add e.g. '#STUB answer = ...').")
            lines += block
            block, blocks = None, blocks + 1
        elif block is not None and stripped.startswith(STUB):
            if not line.startswith(indent + STUB) or stripped[len(STUB):len(STUB) + 1] not in ("", " "):
                raise ValueError(f"{where}, line {number}: write '{STUB} ' at the indentation of "
                                 f"{BEGIN!r}; got {line!r}.")
            stub = line[len(indent) + len(STUB) + 1:]
            block.append(indent + stub if stub else "")
        elif block is None:
            lines.append(line)
    if block is not None:
        raise ValueError(f"{where}: {BEGIN!r} without {END!r}.")
    if not blocks:
        raise ValueError(f"{where} is tagged {SOLUTION_TAG!r} but has no {BEGIN!r} ... {END!r} block.")
    return lines


def _solution_lines(solution: NotebookNode) -> list[str]:
    """The code lines inside solution blocks (stripped; comments and blanks left out), sorted."""
    found: set[str] = set()
    for cell in solution.cells:
        in_block = False
        for line in cell.source.splitlines():
            stripped = line.strip()
            if stripped in (BEGIN, END):
                in_block = stripped == BEGIN
            elif in_block and stripped and not stripped.startswith("#"):
                found.add(stripped)
    return sorted(found)


def _lines(nb: NotebookNode) -> set[str]:
    """Every line of every cell, stripped."""
    return {line.strip() for cell in nb.cells for line in cell.source.splitlines()}


def _stored_state(path: Path) -> list[str]:
    """What a stored notebook should not carry: outputs, execution counts, widget state."""
    nb = nbformat.read(path, as_version=4)
    found = []
    if any(cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None) for cell in nb.cells):
        found.append("has outputs or execution counts")
    if "widgets" in nb.metadata:
        found.append("has widget state")
    return found


def _has_markers(source: str) -> bool:
    """True if a cell contains a solution marker line."""
    return any(line.strip() in (BEGIN, END) for line in source.splitlines())


def exercise_tags(cell: NotebookNode) -> list[str]:
    """The exercise names a cell is tagged with (``exercise:<name>``)."""
    return [tag[len(EXERCISE_TAG_PREFIX):] for tag in cell_tags(cell) if tag.startswith(EXERCISE_TAG_PREFIX)]


def cell_tags(cell: NotebookNode) -> list[str]:
    """The tags of a cell (the string ones: a hand-edited notebook may hold anything)."""
    tags = cell.metadata.get("tags", [])
    return [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []


def _describe(index: int, cell: NotebookNode) -> str:
    """Name a cell in a message: its position, id and first line."""
    first_line = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    return f"cell {index + 1} (id {cell.get('id', '?')}, {first_line[:40]!r})"


def _text(nb: NotebookNode) -> str:
    """A notebook as Jupyter saves it (indent 1, trailing newline)."""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def _write_if_changed(nb: NotebookNode, path: Path) -> None:
    """Write ``nb`` to ``path`` unless the file already holds exactly that."""
    text = _text(nb)
    if not path.exists() or path.read_text(encoding="utf8") != text:
        path.write_text(text, encoding="utf8")
