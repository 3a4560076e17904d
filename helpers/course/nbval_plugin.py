"""The pytest plugin that ``course grade`` loads into nbval (``-p helpers.course.nbval_plugin``).

It runs in the grader's pytest process, outside the kernel's sandbox.

- With ``$COURSE_SANDBOX_KERNEL`` set (by ``course grade``), nbval's kernel is started in
  the sandbox of :mod:`helpers.course.sandbox`, talking to pytest over sockets in a folder
  of its own (``ipc`` transport), since the sandbox has no network.
- Before every cell, the kernel's grading variables (``--course-env``: grading mode,
  profile) are put back, so a submission cannot switch grading off or change its profile
  for a later cell. Before a check cell (tagged ``exercise:<name>``) runs, the kernel forgets the loaded
  ``helpers.checks`` modules, so the cell imports the course's checks afresh from
  their files, and IPython's input transformers, AST transformers, custom exception
  handler and cell-event callbacks are put back as IPython starts with them.
- A watchdog notices within a second when the kernel dies, instead of waiting for
  the cell timeout; in the sandbox it also stops a kernel that writes files into its
  socket folder.
- Each cell's outcome, with the verdicts its check published while it ran (display
  messages of type :data:`VERDICT_MIME`, read from that cell's own output), is appended
  as a JSON line to the file of ``--course-cells``, with how long it ran. The kernel is
  never told that file. Cells after a timeout, which nbval marks as expected to fail,
  are recorded as they really ended.
- With ``--course-outputs``, each code cell's outputs are appended to that file too (up to
  :data:`OUTPUTS_LIMIT` bytes in all), for the executed notebook a teacher may ask for.
"""

from __future__ import annotations

import sys

# Before nbformat is imported: its validator, jsonschema, loads an optional IRI format checker
# (rfc3987-syntax, installed for jupyter-events) that compiles a grammar for about 1.5 s. A notebook's
# schema has no IRI formats, so this pytest process, started once per graded submission, goes without.
sys.modules.setdefault("rfc3987_syntax", None)

import json
import os
import subprocess
import time
from collections.abc import Callable, Generator
from pathlib import Path
from queue import Empty
from typing import Any

import pytest

from helpers.checks.core import VERDICT_MIME
from helpers.course.build import exercise_tags
from helpers.course.config import SANDBOX_ENV

# Run in the kernel before a check cell, in a namespace of its own (nothing is left in the learner's).
RESET_BEFORE_CHECK = """
import sys
from IPython import get_ipython
from IPython.core.inputtransformer2 import TransformerManager
for name in [n for n in sys.modules if n == 'helpers.checks' or n.startswith('helpers.checks.')]:
    del sys.modules[name]
shell = get_ipython()
shell.input_transformer_manager = TransformerManager()
shell.input_transformers_post = []
shell.ast_transformers = []
shell.custom_exceptions = ()
for callbacks in shell.events.callbacks.values():
    callbacks[:] = [c for c in callbacks
                    if getattr(c, '__module__', '').split('.')[0] in ('IPython', 'ipykernel', 'matplotlib_inline')]
"""
RESET_CALL = f"exec({RESET_BEFORE_CHECK!r}, {{}})"  # an expression, for user_expressions
POLL_SECONDS = 0.5
SOCKET_FOLDER_LIMIT = 1 << 20  # bytes of files the kernel may leave in its socket folder
MESSAGE_LIMIT = 2000  # characters of a verdict's message that are kept
OUTPUTS_LIMIT = 20 << 20  # bytes of cell outputs kept for the executed notebook


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--course-cells", help="the file each cell's outcome is appended to (JSON lines)")
    parser.addoption("--course-outputs", help="the file each code cell's outputs are appended to (JSON lines)")
    parser.addoption("--course-env", default="{}",
                     help="environment variables (JSON) put back in the kernel before every cell")


def pytest_configure(config: pytest.Config) -> None:
    """In the sandbox: make nbval start its kernels with :func:`start_sandboxed_kernel`."""
    if os.environ.get(SANDBOX_ENV):
        import nbval.kernel

        nbval.kernel.start_new_kernel = start_sandboxed_kernel


def start_sandboxed_kernel(startup_timeout: float = 60, kernel_name: str = "", **kwargs: Any) -> tuple[Any, Any]:
    """nbval's ``start_new_kernel`` for a kernel in the sandbox: its command, and sockets in its folder."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import KernelManager

    sandbox = json.loads(os.environ[SANDBOX_ENV])
    sockets = Path(sandbox["sockets"])

    class SandboxSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            # interrupts as messages: a signal would reach bubblewrap, not the kernel
            return KernelSpec(argv=sandbox["argv"], display_name="Python (sandboxed)", language="python",
                              interrupt_mode="message")

    km = KernelManager(kernel_name="course-sandbox", kernel_spec_manager=SandboxSpecs(), transport="ipc",
                       ip=str(sockets / "kernel"), connection_file=str(sockets / "kernel.json"))
    km.start_kernel(cwd=kwargs.get("cwd"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    km.sockets = sockets
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=startup_timeout)
    except RuntimeError:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        raise
    return km, kc


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
                if _socket_folder_bytes(kernel) > SOCKET_FOLDER_LIMIT:
                    kernel.km.shutdown_kernel(now=True)
                    raise KernelDied("the kernel wrote files into the grader's socket folder and was "
                                     "stopped") from None
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    kernel.get_message = get_message
    kernel.watched = True


def _socket_folder_bytes(kernel: Any) -> int:
    """How many bytes of files a sandboxed kernel has in its socket folder (0 without a sandbox)."""
    folder = getattr(kernel.km, "sockets", None)
    if folder is None:
        return 0
    with os.scandir(folder) as entries:
        return sum(entry.stat(follow_symlinks=False).st_size for entry in entries if entry.is_file(follow_symlinks=False))


def _is_check(item: pytest.Item) -> bool:
    cell = getattr(item, "cell", None)
    return cell is not None and bool(exercise_tags(cell))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    """Watch the kernel; before a check cell, reset IPython's hooks and make the kernel forget the checks."""
    yield
    kernel = getattr(item.parent, "kernel", None)
    item.kernel_was_alive = kernel is not None and kernel.is_alive()
    item.timed_out_before = bool(getattr(item.parent, "timed_out", False))
    if not item.kernel_was_alive:
        return
    if not getattr(kernel, "watched", False):
        _watch(kernel)
    # As user expressions of an empty cell: IPython evaluates them without passing them through the
    # input and AST transformers that a submission may have installed.
    expressions = {"env": f"__import__('os').environ.update({json.loads(item.config.getoption('course_env'))!r})"}
    if _is_check(item):
        expressions["reset"] = RESET_CALL
    request = kernel.kc.execute("", silent=True, store_history=False, user_expressions=expressions, allow_stdin=False)
    kernel.await_reply(request, timeout=60)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Append each notebook cell's outcome, and the verdicts it published, to the ``--course-cells`` file."""
    report = yield
    log = item.config.getoption("course_cells")
    if log and hasattr(item, "cell_num") and (call.when == "call" or (call.when == "setup" and report.failed)):
        kernel = getattr(item.parent, "kernel", None)
        alive = kernel is not None and kernel.is_alive()
        outputs = getattr(item, "test_outputs", None) or []
        errors = [out for out in outputs if out.get("output_type") == "error"]
        entry = {
            "cell": item.cell_num,
            "outcome": _outcome(report),
            "exception": f"{errors[-1]['ename']}: {errors[-1]['evalue']}" if errors else None,
            "failure": str(call.excinfo.value) if call.excinfo else None,
            "timed_out": bool(getattr(item.parent, "timed_out", False)) and not getattr(item, "timed_out_before", True),
            "kernel_was_alive": getattr(item, "kernel_was_alive", False),
            "kernel_alive": alive,
            "exit_code": None if alive or kernel is None or not hasattr(kernel, "km") else _exit_code(kernel),
            "verdicts": _verdicts(outputs) if _is_check(item) else [],
            "seconds": round(call.duration, 3),
        }
        with open(log, "a", encoding="utf8") as handle:
            handle.write(json.dumps(entry) + "\n")
        if item.config.getoption("course_outputs"):
            _keep_outputs(Path(item.config.getoption("course_outputs")), item.cell_num, outputs)
    return report


def _keep_outputs(path: Path, cell: int, outputs: list[Any]) -> None:
    """Append one cell's outputs to ``path``; past :data:`OUTPUTS_LIMIT` bytes, a note that they were left out."""
    line = json.dumps({"cell": cell, "outputs": outputs}, default=str)
    used = path.stat().st_size if path.exists() else 0
    if used + len(line) > OUTPUTS_LIMIT:
        note = {"output_type": "stream", "name": "stderr",
                "text": f"(the grader kept no more outputs: over {OUTPUTS_LIMIT >> 20} MiB in all)\n"}
        line = json.dumps({"cell": cell, "outputs": [note]})
    with path.open("a", encoding="utf8") as handle:
        handle.write(line + "\n")


def _outcome(report: pytest.TestReport) -> str:
    """passed, failed or skipped; after a timeout nbval marks later cells xfail, but they still ran."""
    if hasattr(report, "wasxfail"):
        return "failed" if report.skipped else "passed"
    return report.outcome


def _verdicts(outputs: list[Any]) -> list[dict[str, Any]]:
    """The verdicts a check cell published: its display outputs of type :data:`VERDICT_MIME`.

    A malformed one (not an exercise name, a true-or-false ``passed`` and a message) is
    kept as a failure that says so.
    """
    verdicts = []
    for output in outputs:
        if output.get("output_type") != "display_data" or VERDICT_MIME not in output.get("data", {}):
            continue
        verdict = output["data"][VERDICT_MIME]
        if (isinstance(verdict, dict) and isinstance(verdict.get("exercise"), str)
                and isinstance(verdict.get("passed"), bool) and isinstance(verdict.get("message"), str)):
            verdicts.append({"exercise": verdict["exercise"], "passed": verdict["passed"],
                             "message": verdict["message"][:MESSAGE_LIMIT]})
        else:
            verdicts.append({"exercise": None, "passed": False, "message": f"a malformed verdict: {verdict!r:.200}"})
    return verdicts
