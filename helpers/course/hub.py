"""Is the Hugging Face Hub reachable? Asked once per process, quickly.

When it is not, ``HF_HUB_OFFLINE=1`` is set before transformers or datasets
are imported, so that no later call spends 20-50 s on retries. When the Hub
answers but a load from it fails, :func:`failure_reason` says why in a few words.
"""

from __future__ import annotations

import functools
import os
import socket

HUB_HOST = "huggingface.co"


@functools.cache
def hub_online(timeout: float = 2.0) -> bool:
    """Return True when the Hub answers; otherwise set HF_HUB_OFFLINE=1 and return False.

    A user who already set ``HF_HUB_OFFLINE=1`` is taken at their word.
    """
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes"}:
        return False
    try:
        with socket.create_connection((HUB_HOST, 443), timeout=timeout):
            return True
    except OSError:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
        return False


def failure_reason(error: BaseException, limit: int = 100) -> str:
    """The error's type and the first line of its message, without a URL, cut to ``limit`` characters.

    For example "HfHubHTTPError: 429 Too Many Requests", for the one line that
    says why a Hub load fell back to an offline copy.
    """
    lines = str(error).strip().splitlines()
    first = lines[0].split(" for url: ")[0].strip() if lines else ""  # HTTP errors end with the URL
    if len(first) > limit:
        first = first[:limit - 3].rstrip() + "..."
    return f"{type(error).__name__}: {first}" if first else type(error).__name__
