"""Where the course keeps its files: the checkout, run outputs."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def checkout_root() -> Path | None:
    """The repository folder when helpers runs from a checkout (editable install), else None."""
    root = PACKAGE_DIR.parent
    return root if (root / "pyproject.toml").exists() and (root / "solutions").is_dir() else None


def runs_dir() -> Path:
    """The git-ignored ``runs/`` folder for training outputs and executed notebooks."""
    return (checkout_root() or Path.cwd()) / "runs"
