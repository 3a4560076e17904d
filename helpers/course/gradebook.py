"""A class's gradebook: ``course grade`` over a folder of submissions.

Every submission gets a student id from its path (:data:`STUDENT_PATTERN`, or the
teacher's ``--student-pattern``), is graded (:func:`helpers.course.grading.grade`), and
gets, in the output folder,

- ``results/<student>/<lesson>.json``: its whole grade, written as soon as it is graded,
  with the key that says what was graded (the file's bytes, the course, the settings);
- ``feedback/<student>/<lesson>.md``: each exercise's verdict and hint, for the student;
- ``executed/<student>/<lesson>.ipynb``: the executed notebook, when asked for;
- and, once all are in, ``gradebook.csv``: a row per submission, a column per exercise
  (its points), the total and the status (graded, error, timeout, kernel died).

A submission whose key matches its stored result is not graded again, unless asked.
Whatever one submission does, it only changes its own row: its grading runs in a
sandbox, anything that goes wrong is its error, and the gradebook is written from the
stored results of all the others.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import nbformat

from helpers.course.grading import GRADED, NotebookGrade, Settings, course_fingerprint, grade, identify
from helpers.course.lessons import LESSONS

# By default a submission's student is the folder that holds it: submissions/<student>/<lesson>.ipynb.
STUDENT_PATTERN = r"(?P<student>[^/]+)/[^/]+$"
STUDENT_ID = re.compile(r"[\w@+.-]+")  # what a student id may hold: it names files and folders
FIXED_COLUMNS = ("student", "lesson", "submission", "status", "points", "max_points")


@dataclass
class Entry:
    """One submission of the batch: who, which file, the key of what is graded, and its grade."""

    student: str
    path: Path
    name: str  # its lesson, or its file name's stem when it names no lesson
    key: str
    grade: NotebookGrade | None = None
    reused: bool = False  # the grade is the one stored by an earlier run


def find_submissions(paths: list[Path]) -> list[Path]:
    """The notebooks to grade: each file given, and every ``.ipynb`` under each folder given
    (hidden folders such as ``.ipynb_checkpoints`` left out), in a stable order."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.ipynb")
                            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts))
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"No such notebook or folder: {path}")
    if not found:
        raise FileNotFoundError(f"No notebooks (*.ipynb) in {', '.join(map(str, paths))}.")
    return list(dict.fromkeys(found))


def student_of(path: Path, pattern: str = STUDENT_PATTERN) -> str:
    """The student id of a submission: the ``student`` group of ``pattern``, searched in its path."""
    match = re.search(pattern, Path(path).absolute().as_posix())
    student = match.groupdict().get("student") if match else None
    if not student:
        raise ValueError(f"Cannot tell whose submission {path} is: the student pattern {pattern!r} has no "
                         "group named 'student' that matches its path. Pass --student-pattern, e.g. "
                         r"'(?P<student>[^/_]+)_[^/]*$' for files named <student>_<lesson>.ipynb.")
    if not STUDENT_ID.fullmatch(student) or set(student) == {"."}:
        raise ValueError(f"The student id {student!r} of {path} is not a plain name (letters, digits, "
                         "'_', '-', '.', '@', '+'): change --student-pattern.")
    return student


def grade_class(paths: list[Path], out: Path, settings: Settings = Settings(), jobs: int = 1,
                scheduler: str | None = None, pattern: str = STUDENT_PATTERN, regrade: bool = False,
                progress: TextIO = sys.stderr) -> list[Entry]:
    """Grade a class's submissions into the folder ``out`` and write its gradebook; the entries, by student.

    Only new or changed submissions are graded, unless ``regrade``. ``settings.threads`` is
    left to :func:`grade`, which shares the cores out among the jobs.
    """
    entries = _entries(find_submissions(paths), pattern, settings)
    out = Path(out)
    todo = []
    for entry in entries:
        stored = None if regrade else _stored(out, entry)
        if stored is None:
            todo.append(entry)
        else:
            entry.grade, entry.reused = stored, True
    print(f"{len(entries)} submissions: {len(todo)} to grade, {len(entries) - len(todo)} unchanged since "
          f"they were graded.", file=progress, flush=True)
    meter = Progress(len(todo), progress)

    def done(index: int, result: NotebookGrade) -> None:
        entry = todo[index]
        entry.grade = result
        _save(out, entry)
        meter.update(entry)

    try:
        if todo:
            grade([entry.path for entry in todo], settings.cell_timeout, settings.notebook_timeout, settings.profile,
                  jobs, settings.limits, scheduler, settings.executed, on_done=done)
    finally:  # also when the teacher stops the batch: the gradebook of what was graded
        write_gradebook(entries, out / "gradebook.csv")
    return entries


class Progress:
    """Prints a line per graded submission: done / total, failures so far, estimated time left."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.stream, self.done, self.failed = total, stream, 0, 0
        self.started = time.monotonic()

    def update(self, entry: Entry) -> None:
        """Count one more graded submission and say so."""
        result = entry.grade
        assert result is not None
        self.done += 1
        self.failed += result.status != GRADED
        elapsed = time.monotonic() - self.started
        left = elapsed / self.done * (self.total - self.done)
        print(f"[{self.done:>{len(str(self.total))}}/{self.total}] {entry.student} {entry.name}: {result.status}, "
              f"{result.passed}/{result.total} exercises · {self.failed} not graded to the end so far · "
              f"about {_duration(left)} left", file=self.stream, flush=True)


def write_gradebook(entries: list[Entry], path: Path) -> None:
    """The CSV: a row per submission, a column per exercise of the batch's lessons (``NN:exercise``,
    its points), the total, the status and the error; text a spreadsheet would run is made plain."""
    lessons = [name for name in LESSONS if any(entry.name == name for entry in entries)]
    columns = {f"{name[:2]}:{exercise}": (name, exercise) for name in lessons for exercise in LESSONS[name].points()}
    path.parent.mkdir(parents=True, exist_ok=True)
    with _replacing(path) as handle:
        writer = csv.DictWriter(handle, fieldnames=[*FIXED_COLUMNS, *columns, "error"])
        writer.writeheader()
        for entry in entries:
            writer.writerow({key: spreadsheet_safe(value) for key, value in _row(entry, columns).items()})


def summary(entries: list[Entry], out: Path) -> str:
    """What the teacher reads at the end: a line per submission, then the counts and where the files are."""
    rows = [("student", "lesson", "status", "points", "")]
    for entry in entries:
        row = _row(entry, {})
        rows.append((entry.student, entry.name, row["status"], f"{row.get('points', 0)}/{row.get('max_points', '')}",
                     "(unchanged, not graded again)" if entry.reused else ""))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = ["  ".join(f"{value:<{width}}" for value, width in zip(row, widths)) + f"  {row[4]}" for row in rows]
    statuses = [row[2] for row in rows[1:]]
    counts = ", ".join(f"{statuses.count(status)} {status}" for status in dict.fromkeys(statuses))
    return "\n".join([*(line.rstrip() for line in lines), "", f"{len(entries)} submissions: {counts}.",
                      f"Gradebook: {out / 'gradebook.csv'}; feedback: {out / 'feedback'}/<student>/."])


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text: a string starting with ``=``, ``+``, ``-``, ``@``,
    a tab or a carriage return (what spreadsheets read as a formula) gets a leading ``'``."""
    return f"'{value}" if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")) else value


def feedback(entry: Entry) -> str:
    """A student's feedback on one submission, in Markdown: the score, then each exercise's verdict and hint."""
    result = entry.grade
    assert result is not None
    points = LESSONS[result.lesson].points() if result.lesson in LESSONS else {}
    earned = sum(points.get(r.exercise, 1) for r in result.results if r.passed)
    lines = [f"# {entry.name}: feedback for {entry.student}", "",
             f"- Submission: `{entry.path.name}`",
             f"- Status: {result.status}" + ("" if result.error is None else f": {_plain(result.error)}"),
             f"- Score: {earned}/{sum(points.values())} points" if points else "- Score: not graded", ""]
    if result.results:
        lines += ["| exercise | points | verdict | hint |", "|---|---|---|---|"]
        lines += [f"| {r.exercise} | {points.get(r.exercise, 1) if r.passed else 0}/{points.get(r.exercise, 1)} | "
                  f"{'pass' if r.passed else 'not yet'} | {_plain(r.message)} |" for r in result.results]
    return "\n".join(lines) + "\n"


def _entries(paths: list[Path], pattern: str, settings: Settings) -> list[Entry]:
    """The batch's entries, by student and lesson; two submissions of one student for one lesson are an error."""
    grading = json.dumps({"profile": settings.profile, "cell_timeout": settings.cell_timeout,
                          "notebook_timeout": settings.notebook_timeout, "executed": settings.executed,
                          "limits": None if settings.limits is None else vars(settings.limits),
                          "course": course_fingerprint()}, sort_keys=True).encode()
    entries = []
    for path in paths:
        content = path.read_bytes()
        key = hashlib.blake2b(grading + b"\0" + content, digest_size=16).hexdigest()
        entries.append(Entry(student_of(path, pattern), path, _name_of(path, content), key))
    seen: dict[tuple[str, str], Path] = {}
    for entry in entries:
        other = seen.setdefault((entry.student, entry.name), entry.path)
        if other != entry.path:
            raise ValueError(f"{other} and {entry.path} are both {entry.student}'s {entry.name}: keep one, or "
                             "pass a --student-pattern that tells their students apart.")
    return sorted(entries, key=lambda entry: (entry.student, entry.name))


def _name_of(path: Path, content: bytes) -> str:
    """The submission's lesson as the grader will see it (for a file that is no notebook, the one its
    name gives), or else its file name's stem."""
    try:
        nb = nbformat.reads(content.decode("utf8"), as_version=4)
    except Exception:  # noqa: BLE001  (no notebook: the grader says why)
        nb = nbformat.v4.new_notebook()
    return identify(nb, path) or path.stem


def _stored(out: Path, entry: Entry) -> NotebookGrade | None:
    """The grade an earlier run stored for this entry, if it graded exactly the same thing."""
    try:
        stored = json.loads(_results_file(out, entry).read_text(encoding="utf8"))
        if stored["key"] != entry.key:
            return None
        result = NotebookGrade.from_dict(stored["grade"])
    except (OSError, ValueError, KeyError, TypeError):  # none yet, or unreadable: grade it
        return None
    result.notebook = entry.path
    return result


def _save(out: Path, entry: Entry) -> None:
    """Store an entry's grade, its feedback and, if there is one, its executed notebook."""
    result = entry.grade
    assert result is not None
    files = {_results_file(out, entry): json.dumps({"key": entry.key, "student": entry.student,
                                                    "grade": {**result.to_dict(), "executed": None}}, indent=1),
             out / "feedback" / entry.student / f"{entry.name}.md": feedback(entry)}
    if result.executed is not None:
        files[out / "executed" / entry.student / f"{entry.name}.ipynb"] = result.executed
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with _replacing(path) as handle:
            handle.write(text)


def _results_file(out: Path, entry: Entry) -> Path:
    return out / "results" / entry.student / f"{entry.name}.json"


def _row(entry: Entry, columns: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """One gradebook row."""
    result = entry.grade
    row: dict[str, Any] = {"student": entry.student, "lesson": entry.name if entry.name in LESSONS else "",
                           "submission": str(entry.path)}
    if result is None:
        return row | {"status": "not graded", "error": "the batch stopped before it was graded"}
    points = LESSONS[entry.name].points() if entry.name in LESSONS else {}
    passed = {r.exercise for r in result.results if r.passed}
    row |= {column: (points[exercise] if exercise in passed else 0)
            for column, (name, exercise) in columns.items() if name == entry.name}
    return row | {"status": result.status, "points": sum(points[exercise] for exercise in passed & set(points)),
                  "max_points": sum(points.values()) if points else "", "error": result.error or ""}


class _replacing:
    """Write a file through a temporary one beside it, which replaces it only once complete."""

    def __init__(self, path: Path) -> None:
        self.path, self.temporary = path, path.with_name(f".{path.name}.{os.getpid()}.tmp")

    def __enter__(self) -> TextIO:
        self.handle = self.temporary.open("w", newline="" if self.path.suffix == ".csv" else None, encoding="utf8")
        return self.handle

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.handle.close()
        if kind is None:
            self.temporary.replace(self.path)
        else:
            self.temporary.unlink()


def _plain(text: str) -> str:
    """Text for one Markdown table cell or line: on one line, with no HTML and no column breaks."""
    return html.escape(" ".join(text.split()), quote=False).replace("|", "\\|")


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"
