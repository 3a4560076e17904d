"""The pytest plugin that ``course grade`` loads into nbval (``-p helpers.course.nbval_plugin``).

- Before a check cell (tagged ``exercise:<name>``) runs, the kernel forgets the
  loaded ``helpers.checks`` modules, so the cell imports the course's checks afresh
  from their files, whatever earlier cells did to them.
- A watchdog notices within a second when the kernel dies, instead of waiting for
  the cell timeout.
- Each cell's outcome, with the verdicts the checks logged while it ran, is
  appended as a JSON line to ``$COURSE_GRADE_CELLS``, with how long it ran. Cells after a timeout,
  which nbval marks as expected to fail, are recorded as they really ended.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Generator
from queue import Empty
from typing import Any

import pytest

from helpers.course.build import exercise_tags
from helpers.course.config import GRADE_CELLS_ENV, GRADE_LOG_ENV

# Run in the kernel: drop helpers.checks and its modules from sys.modules (nothing left in the namespace).
FORGET_CHECKS = ("exec(\"import sys\\nfor name in [n for n in sys.modules if n == 'helpers.checks' "
                 "or n.startswith('helpers.checks.')]:\\n    del sys.modules[name]\", {})")
POLL_SECONDS = 0.5


class KernelDied(RuntimeError):
    """The kernel process ended while a cell was running."""


def _exit_code(kernel: Any) -> int | None:
    process = getattr(getattr(kernel.km, "provisioner", None), "process", None)
    return None if process is None else process.poll()


def _watch(kernel: Any) -> None:
    """Make the kernel's message waits give up as soon as the kernel process is gone."""
    wait: Callable[..., Any] = kernel.get_message

    def get_message(stream: str, timeout: float | None = None) -> Any:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = POLL_SECONDS if deadline is None else max(0.0, min(POLL_SECONDS, deadline - time.monotonic()))
            try:
                return wait(stream, timeout=left)
            except Empty:
                if not kernel.is_alive():
                    raise KernelDied(f"the kernel died (exit code {_exit_code(kernel)})") from None
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    kernel.get_message = get_message
    kernel.watched = True


def _is_check(item: pytest.Item) -> bool:
    cell = getattr(item, "cell", None)
    return cell is not None and bool(exercise_tags(cell))


def _log_size() -> int:
    log = os.environ.get(GRADE_LOG_ENV, "")
    return os.path.getsize(log) if log and os.path.exists(log) else 0


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    """Watch the kernel; before a check cell, make the kernel forget the loaded checks."""
    yield
    kernel = getattr(item.parent, "kernel", None)
    item.kernel_was_alive = kernel is not None and kernel.is_alive()
    item.timed_out_before = bool(getattr(item.parent, "timed_out", False))
    if not item.kernel_was_alive:
        return
    if not getattr(kernel, "watched", False):
        _watch(kernel)
    if _is_check(item):
        kernel.await_reply(kernel.execute_cell_input(FORGET_CHECKS, allow_stdin=False), timeout=60)
    item.log_offset = _log_size()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Append each notebook cell's outcome, and the verdicts logged while it ran, to ``$COURSE_GRADE_CELLS``."""
    report = yield
    log = os.environ.get(GRADE_CELLS_ENV)
    if log and hasattr(item, "cell_num") and (call.when == "call" or (call.when == "setup" and report.failed)):
        kernel = getattr(item.parent, "kernel", None)
        alive = kernel is not None and kernel.is_alive()
        errors = [out for out in getattr(item, "test_outputs", None) or [] if out.get("output_type") == "error"]
        entry = {
            "cell": item.cell_num,
            "outcome": _outcome(report),
            "exception": f"{errors[-1]['ename']}: {errors[-1]['evalue']}" if errors else None,
            "failure": str(call.excinfo.value) if call.excinfo else None,
            "timed_out": bool(getattr(item.parent, "timed_out", False)) and not getattr(item, "timed_out_before", True),
            "kernel_was_alive": getattr(item, "kernel_was_alive", False),
            "kernel_alive": alive,
            "exit_code": None if alive or kernel is None or not hasattr(kernel, "km") else _exit_code(kernel),
            "verdicts": _verdicts_since(getattr(item, "log_offset", None)),
            "seconds": round(call.duration, 3),
        }
        with open(log, "a", encoding="utf8") as handle:
            handle.write(json.dumps(entry) + "\n")
    return report


def _outcome(report: pytest.TestReport) -> str:
    """passed, failed or skipped; after a timeout nbval marks later cells xfail, but they still ran."""
    if hasattr(report, "wasxfail"):
        return "failed" if report.skipped else "passed"
    return report.outcome


def _verdicts_since(offset: int | None) -> list[dict[str, Any]]:
    """The verdicts the checks appended to ``$COURSE_GRADE_LOG`` after ``offset`` bytes."""
    log = os.environ.get(GRADE_LOG_ENV, "")
    if offset is None or not log or not os.path.exists(log):
        return []
    with open(log, encoding="utf8", errors="replace") as handle:
        handle.seek(offset)
        lines = handle.read().splitlines()
    verdicts = []
    for line in lines:
        try:
            verdict = json.loads(line)
        except ValueError:
            continue
        if isinstance(verdict, dict):
            verdicts.append(verdict)
    return verdicts
