"""The graded kernel's sandbox (helpers/course/sandbox.py): what it lets through and what it refuses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers.course import grading, sandbox
from helpers.course.config import cache_dir, require_checkout
from helpers.course.sandbox import Limits

ROOT = require_checkout()

# Run in the sandbox instead of the kernel: print what a submission could reach.
PROBE = f"""
import os, socket
def refused(action):
    try:
        action()
    except OSError as error:
        return type(error).__name__
    return 'allowed'
print('checkout', refused(lambda: open({str(ROOT / 'helpers' / 'probe.txt')!r}, 'w')))
print('cache', refused(lambda: open({str(cache_dir() / 'probe.txt')!r}, 'w')))
print('root', refused(lambda: open('/probe.txt', 'w')))
print('tmp', refused(lambda: open('/tmp/probe.txt', 'w')))
print('network', refused(lambda: socket.create_connection(('1.1.1.1', 53), timeout=2)))
print('home', os.path.exists({str(Path.home() / '.bashrc')!r}) or os.path.exists({str(Path.home())!r} + '/.cache'))
print('listing', sorted(os.listdir('/tmp')))
print('processes', sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))
print('uid', os.getuid())
"""


@pytest.fixture
def probe(tmp_path: Path) -> dict[str, str]:
    """What :data:`PROBE` prints, run with the kernel's sandbox command."""
    if sandbox.unavailable():
        pytest.fail(sandbox.unavailable())
    sockets = tmp_path / "kernel"
    sockets.mkdir()
    argv = sandbox.kernel_argv(sockets, Limits(), {"PYTHONPATH": str(ROOT)})
    command = argv[:argv.index("--") + 1] + [sys.executable, "-c", PROBE]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout
    return dict(line.split(" ", 1) if line.count(" ") else (line, "") for line in output.splitlines())


def test_the_sandbox_keeps_the_course_read_only_and_the_machine_out_of_sight(probe: dict, tmp_path: Path) -> None:
    assert probe["checkout"] == probe["cache"] == probe["root"] == "OSError"  # read-only file system
    assert probe["tmp"] == "allowed"  # its own tmpfs
    assert probe["network"] == "OSError"  # no route: only loopback
    assert probe["home"] == "False"
    bound = [tmp_path, *sandbox._course_folders()]  # what is bound under /tmp, e.g. a checkout in /tmp
    tops = {path.parts[2] for path in bound if path.parts[1] == "tmp"}
    assert probe["listing"] == str(sorted({"home", "probe.txt", "tmp", "work"} | tops))
    assert probe["processes"] == "[1, 2]"  # bubblewrap's init and itself
    assert probe["uid"] == str(sandbox.UID)


def test_limits_must_be_positive() -> None:
    assert Limits().memory_mib == 6144
    with pytest.raises(ValueError, match="positive whole numbers"):
        Limits(memory_mib=0)


def test_the_kernel_command_binds_the_course_read_only_and_nothing_writable_but_its_sockets(tmp_path: Path) -> None:
    argv = sandbox.kernel_argv(tmp_path, Limits(disk_mib=10), {"A": "1"})
    pairs = list(zip(argv, argv[1:], argv[2:]))
    assert ("--ro-bind", str(ROOT), str(ROOT)) in pairs
    assert [(a, b) for a, b, _ in pairs if a == "--bind"] == [("--bind", str(tmp_path))]
    assert ("--size", str(10 << 20), "--tmpfs") in pairs and "--unshare-net" in argv
    assert argv[argv.index("--remount-ro", argv.index("--remount-ro") + 1) + 1] == "/"
    assert ("--setenv", "A", "1") in pairs and "--clearenv" in argv
    assert argv[-1] == "{connection_file}"


def test_without_bubblewrap_grading_stops_and_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.unavailable.cache_clear()
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    try:
        assert "apt install bubblewrap" in sandbox.unavailable()
        with pytest.raises(RuntimeError, match="--no-sandbox"):
            grading.grade([ROOT / "solutions" / "00_course_tour.ipynb"])
    finally:
        sandbox.unavailable.cache_clear()


@pytest.mark.slow
def test_no_sandbox_grades_as_before() -> None:
    (result,) = grading.grade([ROOT / "solutions" / "00_course_tour.ipynb"], limits=None)
    assert result.full_marks, result
