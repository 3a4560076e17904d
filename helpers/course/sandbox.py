"""The sandbox each graded kernel runs in: bubblewrap (``bwrap``), the sandbox of Flatpak.

``course grade`` starts every submission's kernel with :func:`kernel_argv`. Inside,
the kernel sees

- the course read-only: ``/usr``, ``/etc``, Python, the virtual environment, the
  checkout and the data cache, nothing else of the machine (no home folder, no
  other submission, no ``/tmp`` of the machine);
- one writable tmpfs of ``disk_mib`` at ``/tmp`` (home, temp folder, IPython
  folder, working folder) and a small ``/dev/shm``, its own and gone when the kernel ends;
- the folder of its two-way sockets to the grader, and nothing else writable;
- no network (a network namespace with only loopback), its own process namespace:
  when the kernel ends, for whatever reason, every process it started ends too;
- limits set by :func:`main` before the kernel starts: memory (``RLIMIT_DATA``),
  processes (``RLIMIT_NPROC``; Linux does not apply it to processes of the host's
  root), and the size of any one file (``RLIMIT_FSIZE``).

Where bubblewrap is missing or cannot create namespaces, :func:`unavailable` says
why; ``course grade --no-sandbox`` then grades without one (trusting the submissions).
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from helpers.course.config import cache_dir, require_checkout

SANDBOX = Path("/tmp")  # the kernel's writable folder, a tmpfs
HOME, TMP, WORK = SANDBOX / "home", SANDBOX / "tmp", SANDBOX / "work"
SHARED_MEMORY_MIB = 64  # /dev/shm
UID = 1000  # the kernel's user inside; it has no capabilities
INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: `apt install bubblewrap`; Fedora: `dnf install bubblewrap`) "
                "or, on a machine where you trust every submission, grade with `course grade --no-sandbox`")
MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What one graded kernel may use: memory, processes and threads, one file's size, all its files (MiB)."""

    memory_mib: int = 6144
    processes: int = 512
    file_mib: int = 512
    disk_mib: int = 1024

    def __post_init__(self) -> None:
        small = {name: value for name, value in vars(self).items() if not isinstance(value, int) or value < 1}
        if small:
            raise ValueError(f"Sandbox limits must be positive whole numbers, got {small}.")


@functools.cache
def unavailable() -> str | None:
    """Why kernels cannot be sandboxed on this machine, or None when bubblewrap works here."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}"
    probe = subprocess.run([bwrap, *_namespaces(), "--ro-bind", "/", "/", "--", "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return (f"bubblewrap cannot create namespaces here ({probe.stderr.strip()}); allow unprivileged user "
                f"namespaces (sysctl kernel.unprivileged_userns_clone=1) or {INSTALL_HINT.split(' or, ')[1]}")
    return None


def kernel_argv(sockets: Path, limits: Limits, env: dict[str, str]) -> list[str]:
    """The command that starts an IPython kernel in the sandbox, with ``{connection_file}`` for jupyter_client.

    ``sockets`` is the host folder of the kernel's connection file and sockets (the only host
    folder it can write); ``env`` is the kernel's whole environment, besides home and temp folder.
    """
    reason = unavailable()
    if reason:
        raise RuntimeError(f"Cannot sandbox the graded kernel: {reason}.")
    argv = [shutil.which("bwrap") or "bwrap", *_namespaces(), "--die-with-parent", "--new-session",
            "--uid", str(UID), "--gid", str(UID), "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    disk = str(limits.disk_mib * MIB)
    # The tmpfs first, so that a course folder or the sockets' folder under /tmp is bound on top of it.
    argv += ["--size", disk, "--tmpfs", str(SANDBOX), "--dir", str(HOME), "--dir", str(TMP), "--dir", str(WORK)]
    for folder in _course_folders():
        argv += ["--ro-bind", str(folder), str(folder)]
    argv += ["--proc", "/proc", "--dev", "/dev", "--size", str(SHARED_MEMORY_MIB * MIB), "--tmpfs", "/dev/shm",
             "--bind", str(sockets), str(sockets), "--remount-ro", "/dev", "--remount-ro", "/",
             "--chdir", str(WORK), "--clearenv"]
    inside = {**env, "HOME": str(HOME), "TMPDIR": str(TMP), "IPYTHONDIR": str(HOME / ".ipython"),
              "MPLCONFIGDIR": str(HOME / ".matplotlib"), "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8",
              "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"])}
    for name, value in sorted(inside.items()):
        argv += ["--setenv", name, value]
    return [*argv, "--", sys.executable, "-m", "helpers.course.sandbox", "--memory-mib", str(limits.memory_mib),
            "--processes", str(limits.processes), "--file-mib", str(limits.file_mib), "{connection_file}"]


def _namespaces() -> list[str]:
    return ["--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try"]


def _course_folders() -> list[Path]:
    """What the kernel reads: Python, the virtual environment, the checkout and the cache; outermost only."""
    folders = sorted({Path(p).resolve() for p in (sys.base_prefix, sys.prefix, require_checkout(), cache_dir())})
    return [f for f in folders if not any(f != other and f.is_relative_to(other) for other in folders)]


def main(argv: list[str] | None = None) -> None:
    """Inside the sandbox: set the limits, then become the IPython kernel (``ipykernel_launcher -f``)."""
    parser = argparse.ArgumentParser(prog="python -m helpers.course.sandbox", description=main.__doc__)
    parser.add_argument("--memory-mib", type=int, required=True)
    parser.add_argument("--processes", type=int, required=True)
    parser.add_argument("--file-mib", type=int, required=True)
    parser.add_argument("connection_file")
    args = parser.parse_args(argv)
    for limit, value in ((resource.RLIMIT_DATA, args.memory_mib * MIB), (resource.RLIMIT_NPROC, args.processes),
                         (resource.RLIMIT_FSIZE, args.file_mib * MIB)):
        resource.setrlimit(limit, (value, value))
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", args.connection_file])


if __name__ == "__main__":
    main()
