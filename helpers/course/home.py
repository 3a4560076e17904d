"""The course's public home, and what ``course build`` writes from it into every notebook.

The repository is ``[project.urls] Repository`` in ``pyproject.toml`` and the release is
``version`` there (tag ``v<version>``): the one place to change when the course moves or
is released. From them come each notebook's "Open in Colab" badge and its Colab install
cell, which installs that tag, so that a notebook always gets the helpers it was written for.
"""

from __future__ import annotations

import copy
import re
import tomllib
from dataclasses import dataclass

from nbformat import NotebookNode

from helpers.course.config import require_checkout

GITHUB = "https://github.com/"
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)")
COLAB_TAG = "colab"
# What Colab reads to open a notebook on a GPU runtime (a free T4 where it can).
GPU_METADATA = {"accelerator": "GPU", "colab": {"gpuType": "T4"}}


@dataclass(frozen=True)
class Home:
    """Where the course is published: ``owner/name`` on GitHub, the package name and its version."""

    repository: str
    package: str
    version: str

    @property
    def tag(self) -> str:
        """The release tag: ``v<version>``."""
        return f"v{self.version}"

    def badge(self, notebook: str) -> str:
        """The Markdown "Open in Colab" badge of ``notebooks/<notebook>.ipynb`` at this release."""
        target = f"https://colab.research.google.com/github/{self.repository}/blob/{self.tag}/notebooks/{notebook}.ipynb"
        return f"[![Open In Colab]({BADGE_IMAGE})]({target})"

    def requirement(self) -> str:
        """What pip installs in Colab: this package at this release's tag."""
        return f"{self.package} @ git+{GITHUB}{self.repository}@{self.tag}"

    def install_cell(self) -> str:
        """The source of a lesson's Colab cell: install this release once, or stop with pip's reason."""
        return f'''\
# Colab only: install the course's helpers, release {self.tag} (elsewhere this cell does nothing).
import sys

if "google.colab" in sys.modules:
    import importlib, importlib.metadata, subprocess
    try:
        installed = importlib.metadata.version("{self.package}")
    except importlib.metadata.PackageNotFoundError:
        installed = None
    if installed != "{self.version}":
        pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                              "{self.requirement()}"],
                             capture_output=True, text=True)
        if pip.returncode != 0:
            raise RuntimeError("Installing the course's helpers failed, so this lesson cannot run. pip said:\\n"
                               + pip.stderr[-1500:] + "\\nCheck that the runtime is connected, then run this cell again.")
        importlib.invalidate_caches()
    print("The course's helpers, release {self.tag}, are installed.")'''


def home() -> Home:
    """The course's home, read from the checkout's ``pyproject.toml``."""
    project = tomllib.loads((require_checkout() / "pyproject.toml").read_text(encoding="utf8"))["project"]
    url = project.get("urls", {}).get("Repository", "")
    if not url.startswith(GITHUB) or url.rstrip("/").count("/") != 4:
        raise ValueError(f"pyproject.toml: [project.urls] Repository must be {GITHUB}<owner>/<name>, got {url!r}.")
    return Home(url.removeprefix(GITHUB).rstrip("/"), project["name"], project["version"])


def stamp(nb: NotebookNode, notebook: str, where: Home) -> NotebookNode:
    """A copy of ``nb`` with its badge and Colab cell written from ``where``, and, for a lesson
    that trains, the metadata that opens it on a Colab GPU.

    Raises ValueError when ``nb`` has no badge or no cell tagged ``colab``.
    """
    from helpers.course.lessons import LESSONS

    nb = copy.deepcopy(nb)
    badges = [cell for cell in nb.cells if cell.cell_type == "markdown" and BADGE.search(cell.source)]
    installs = [cell for cell in nb.cells if COLAB_TAG in cell.metadata.get("tags", [])]
    if len(badges) != 1 or len(installs) != 1:
        raise ValueError(f"{notebook}: a lesson needs one Markdown cell with the Open In Colab badge and one "
                         f"code cell tagged {COLAB_TAG!r}; it has {len(badges)} and {len(installs)}.")
    badges[0].source = BADGE.sub(lambda _: where.badge(notebook), badges[0].source)
    installs[0].source = where.install_cell()
    for key in GPU_METADATA:
        nb.metadata.pop(key, None)
    if notebook in LESSONS and LESSONS[notebook].trains:
        nb.metadata.update(copy.deepcopy(GPU_METADATA))
    return nb
