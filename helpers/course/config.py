"""Every ``COURSE_*`` environment variable, and where the course keeps its files.

| variable | meaning |
|---|---|
| ``COURSE_PROFILE`` | what ``profile="auto"`` means (``smoke``, ``cpu`` or ``full``) |
| ``COURSE_CACHE`` | the download and dataset cache (default: ``.cache/`` in the checkout) |
| ``COURSE_RUNS`` | where lessons write their outputs (default: ``runs/`` in the checkout) |
| ``COURSE_CPU_BF16`` | ``0``: train and evaluate in fp32 on a CPU that computes bf16 natively (the fast recipe's default there, and lesson 03's evaluation) |
| ``COURSE_TINY`` | ``1``: the profile's models, settings and branches, with tiny data (``make test-full-shape``) |
| ``COURSE_RECORD`` | set by ``course run``: the file a lesson's :func:`record` writes |
| ``COURSE_GRADING`` | set by ``course grade``: a failed check raises instead of printing |
| ``COURSE_SANDBOX_KERNEL`` | set by ``course grade`` for its pytest process (never the kernel): the sandboxed kernel's command |
"""

from __future__ import annotations

import os
from pathlib import Path

PROFILE_ENV = "COURSE_PROFILE"
CACHE_ENV = "COURSE_CACHE"
RUNS_ENV = "COURSE_RUNS"
TINY_ENV = "COURSE_TINY"
CPU_BF16_ENV = "COURSE_CPU_BF16"
RECORD_ENV = "COURSE_RECORD"
GRADING_ENV = "COURSE_GRADING"
SANDBOX_ENV = "COURSE_SANDBOX_KERNEL"

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def checkout_root() -> Path | None:
    """The repository folder when helpers runs from a checkout (editable install), else None."""
    root = PACKAGE_DIR.parent
    return root if (root / "pyproject.toml").exists() and (root / "solutions").is_dir() else None


def require_checkout() -> Path:
    """The repository folder; a clear error for course tooling that needs it (build, grade, run all)."""
    root = checkout_root()
    if root is None:
        raise FileNotFoundError(
            f"helpers is installed from {PACKAGE_DIR}, not from a clone of the course repository. "
            "Clone the repository and `pip install -e .` in it to build, grade or run the lessons.")
    return root


def _folder(variable: str, in_checkout: str, elsewhere: Path) -> Path:
    """``$variable`` if set, else ``in_checkout`` under the checkout, else ``elsewhere``; created."""
    root = checkout_root()
    if os.environ.get(variable):
        path = Path(os.environ[variable]).expanduser()
    elif root is not None:
        path = root / in_checkout
    else:
        path = elsewhere
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Downloads and converted data: ``$COURSE_CACHE``, ``.cache/`` in the checkout, or ``~/.cache/fine-tuning-course``."""
    return _folder(CACHE_ENV, ".cache", Path.home() / ".cache" / "fine-tuning-course")


def runs_dir() -> Path:
    """Training outputs and executed notebooks: ``$COURSE_RUNS``, ``runs/`` in the checkout, or ``./runs``."""
    return _folder(RUNS_ENV, "runs", Path.cwd() / "runs")
