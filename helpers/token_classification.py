"""Token classification (NER, POS tagging): word labels aligned with subword tokens, and their scores.

A tokenizer splits words into pieces ("Humenne" -> "hume", "##nne"), so one label
per word must become one label per token: :func:`align_word_labels` for one
sentence, :func:`tokenize_and_align` as a batched ``Dataset.map`` function.
Positions labelled :data:`IGNORED_LABEL` (-100) are skipped by the loss and the
metrics. :func:`entity_scores` scores whole entities with seqeval, one tag list
per sentence; :func:`token_classification_metrics` builds a ``compute_metrics``
from it for ``transformers.Trainer``; :func:`tags_from_logits` turns a model's
scores into the tag lists that both take, :func:`labelled_tags` the labels alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from seqeval.metrics import f1_score as entity_f1
from seqeval.metrics import precision_score as entity_precision
from seqeval.metrics import recall_score as entity_recall
from seqeval.metrics.sequence_labeling import get_entities, precision_recall_fscore_support

from helpers.classification import Metrics, check_same_length, logits_and_labels

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

IGNORED_LABEL = -100  # the label that PyTorch's cross-entropy and these metrics skip
CONTINUATIONS = ("inside", "ignore")
WORDS_COLUMN = "tokens"
# Penn Treebank tags of punctuation marks: quotes, brackets, comma, sentence end, colon and dashes.
PUNCTUATION_TAGS = frozenset({'"', "``", "''", "(", ")", ",", ".", ":"})

Batch = dict[str, list[Any]]


def require_fast_tokenizer(tokenizer: PreTrainedTokenizerBase) -> None:
    """Refuse a slow tokenizer: only a fast one knows which word and characters each token came from."""
    if not tokenizer.is_fast:
        raise TypeError(
            f"{type(tokenizer).__name__} is a slow (pure Python) tokenizer: it cannot say which "
            "word or characters a token came from. Load a fast one with "
            "AutoTokenizer.from_pretrained(name_or_path)."
        )


def _check_continuation(continuation: str) -> None:
    if continuation not in CONTINUATIONS:
        raise ValueError(f"continuation must be one of {CONTINUATIONS}, got {continuation!r}.")



def inside_map(label_names: list[str]) -> dict[int, int]:
    """Map each ``B-X`` label id to its ``I-X`` id, e.g. ``{1: 2, 3: 4, ...}`` for CoNLL-2003."""
    index = {name: i for i, name in enumerate(label_names)}
    return {
        i: index[f"I-{name[2:]}"]
        for i, name in enumerate(label_names)
        if name.startswith("B-") and f"I-{name[2:]}" in index
    }


def _count_words(word_ids: list[int | None]) -> int:
    """Number of words an encoding covers (its word ids run from 0)."""
    return max((i for i in word_ids if i is not None), default=-1) + 1


def align_word_labels(
    word_ids: list[int | None],
    word_labels: list[int],
    continuation: str = "inside",
    inside_of: dict[int, int] | None = None,
) -> list[int]:
    """Give every token a label from the label of the word it belongs to.

    ``word_ids`` is the fast tokenizer's ``encoding.word_ids()``: the word index
    of each token, ``None`` for special tokens such as ``[CLS]``. Special tokens
    get -100 (ignored by the loss and the metrics). The first piece of a word
    takes the word's label. Later pieces take, with ``continuation="inside"``,
    the ``I-`` form of a ``B-`` label (``inside_of``, from :func:`inside_map`;
    labels not in it, such as ``O`` or ``I-X``, are kept), or -100 with
    ``continuation="ignore"``, so that only first pieces are trained and scored.
    """
    _check_continuation(continuation)
    n_words = _count_words(word_ids)
    if len(word_labels) != n_words:
        raise ValueError(
            f"{len(word_labels)} labels for {n_words} words: give exactly one label per word "
            "(the word_ids of the encoding number the words from 0)."
        )
    inside_of = inside_of or {}
    labels, previous = [], None
    for word in word_ids:
        if word is None:
            labels.append(IGNORED_LABEL)
        elif word != previous:
            labels.append(word_labels[word])
        elif continuation == "inside":
            labels.append(inside_of.get(word_labels[word], word_labels[word]))
        else:
            labels.append(IGNORED_LABEL)
        previous = word
    return labels


def tokenize_and_align(
    tokenizer: PreTrainedTokenizerBase,
    label_names: list[str],
    label_column: str = "ner_tags",
    continuation: str = "inside",
    max_length: int | None = None,
) -> Callable[[Batch], Batch]:
    """Build a batched ``Dataset.map`` function: pre-split words -> tokens with a ``labels`` column.

    Reads the words from the ``tokens`` column and their label ids from
    ``label_column``; tokenizes with ``is_split_into_words=True`` (truncating to
    ``max_length`` when given) and aligns the labels with :func:`align_word_labels`.
    Rows are not padded: train with ``DataCollatorForTokenClassification``.
    """
    require_fast_tokenizer(tokenizer)
    _check_continuation(continuation)
    inside_of = inside_map(label_names)

    def tokenize(batch: Batch) -> Batch:
        for column in (WORDS_COLUMN, label_column):
            if column not in batch:
                raise KeyError(f"Column {column!r} not found; the batch has {sorted(batch)}.")
        encoding = tokenizer(
            batch[WORDS_COLUMN],
            is_split_into_words=True,
            truncation=max_length is not None,
            max_length=max_length,
        )
        all_labels = []
        for row, (words, word_labels) in enumerate(zip(batch[WORDS_COLUMN], batch[label_column])):
            in_range = all(0 <= label < len(label_names) for label in word_labels)
            if len(words) != len(word_labels) or not in_range:
                raise ValueError(
                    f"Row {row} of the batch: {len(words)} words and labels {list(word_labels)}; "
                    f"expected one label id per word, each in 0..{len(label_names) - 1} "
                    f"({label_names})."
                )
            word_ids = encoding.word_ids(row)
            kept_labels = list(word_labels[: _count_words(word_ids)])  # truncation drops words
            all_labels.append(align_word_labels(word_ids, kept_labels, continuation, inside_of))
        return {**encoding, "labels": all_labels}

    return tokenize


def rename_tag_ids(tag_ids: Sequence[int], from_names: Sequence[str], to_names: Sequence[str]) -> list[int]:
    """The same tags as ids of another tag list: ``from_names[i]`` becomes ``to_names.index(from_names[i])``.

    Two datasets may number the same tag set differently; match them by name, never by id.
    """
    index = {name: i for i, name in enumerate(to_names)}
    renamed = []
    for tag_id in tag_ids:
        if not 0 <= tag_id < len(from_names):
            raise ValueError(f"Tag id {tag_id} is out of range for a list of {len(from_names)} tag names.")
        name = from_names[tag_id]
        if name not in index:
            raise ValueError(f"Tag {name!r} has no counterpart among {list(to_names)}: map it by hand first.")
        renamed.append(index[name])
    return renamed


def _check_sentences(
    true_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]]
) -> None:
    check_same_length(pred_tags, true_tags, "predicted sentences")
    for index, (truth, prediction) in enumerate(zip(true_tags, pred_tags)):
        if isinstance(truth, str) or isinstance(prediction, str):
            raise TypeError(
                "Give one list of tags per sentence, e.g. [['B-PER', 'I-PER', 'O'], ...]; "
                f"sentence {index} is a single string."
            )
        if len(truth) != len(prediction):
            raise ValueError(
                f"Sentence {index} has {len(truth)} true tags but {len(prediction)} predicted tags."
            )


def entity_scores(
    true_tags: list[list[str]], pred_tags: list[list[str]], per_entity: bool = False
) -> Metrics:
    """Entity-level precision, recall and F1 (seqeval), plus token accuracy.

    Each inner list is ONE sentence. An entity counts as found only when its type
    and its whole span match; a ``B-PER I-PER`` name predicted as ``B-PER B-PER``
    is two wrong entities. seqeval's default (CoNLL ``conlleval``) rules apply: an
    ``I-X`` that follows no ``X`` starts a new entity. ``per_entity=True`` adds
    ``<TYPE>_precision``, ``<TYPE>_recall`` and ``<TYPE>_f1`` for every entity
    type found in either list.
    """
    _check_sentences(true_tags, pred_tags)
    scores = {
        "precision": float(entity_precision(true_tags, pred_tags, zero_division=0)),
        "recall": float(entity_recall(true_tags, pred_tags, zero_division=0)),
        "f1": float(entity_f1(true_tags, pred_tags, zero_division=0)),
        "accuracy": tag_accuracy(true_tags, pred_tags),
    }
    if per_entity:
        types = sorted({kind for kind, _, _ in get_entities(true_tags) + get_entities(pred_tags)})
        precisions, recalls, f1s, _ = precision_recall_fscore_support(
            true_tags, pred_tags, average=None, zero_division=0
        )
        for kind, p, r, f in zip(types, precisions, recalls, f1s):
            scores[f"{kind}_precision"] = float(p)
            scores[f"{kind}_recall"] = float(r)
            scores[f"{kind}_f1"] = float(f)
    return scores


def tag_accuracy(true_tags: list[list[str]], pred_tags: list[list[str]]) -> float:
    """The share of words whose predicted tag is the true one (one tag list per sentence)."""
    _check_sentences(true_tags, pred_tags)
    pairs = [(t, p) for truth, prediction in zip(true_tags, pred_tags) for t, p in zip(truth, prediction)]
    if not pairs:
        raise ValueError("No words to score: the tag lists are empty.")
    return sum(t == p for t, p in pairs) / len(pairs)


def tags_from_logits(
    logits: Any, labels: Sequence[Sequence[int]] | Any, label_names: list[str]
) -> tuple[list[list[str]], list[list[str]]]:
    """True and predicted tag names, one list per sentence, at the positions whose label is not -100.

    ``logits`` has shape (sentences, tokens, classes), padded on the right; ``labels`` holds
    one row of label ids per sentence, padded the same way or not padded at all (rows as
    long as the sentence's tokens). The prediction of a position is its highest-scoring tag.
    """
    logits = np.asarray(logits)
    if logits.ndim != 3:
        raise ValueError(f"Expected logits of shape (sentences, tokens, classes), got shape {logits.shape}.")
    check_same_length(logits, labels, "sentences of logits")
    if logits.shape[2] != len(label_names):
        raise ValueError(
            f"The model gives {logits.shape[2]} logits per token but {len(label_names)} "
            "label names were given: pass the dataset's full list of tag names."
        )
    pred_tags = []
    for sentence_logits, sentence_labels in zip(logits, labels):
        sentence_labels = np.asarray(sentence_labels)
        if len(sentence_labels) > len(sentence_logits):
            raise ValueError(
                f"A sentence has {len(sentence_labels)} labels but only {len(sentence_logits)} token "
                "positions: the labels must come from the same tokenization as the logits."
            )
        predicted = sentence_logits[np.flatnonzero(sentence_labels != IGNORED_LABEL)].argmax(axis=-1)
        pred_tags.append([label_names[i] for i in predicted])
    return labelled_tags(labels, label_names), pred_tags


def labelled_tags(labels: Sequence[Sequence[int]] | Any, label_names: list[str]) -> list[list[str]]:
    """The tag names of the positions whose label is not -100, one list per sentence (rows padded or not)."""
    return [[label_names[i] for i in np.asarray(row) if i != IGNORED_LABEL] for row in labels]


def token_classification_metrics(
    label_names: list[str], per_entity: bool = False
) -> Callable[[Any], Metrics]:
    """Build a ``compute_metrics`` for token classification (NER).

    Logits of shape (sentences, tokens, classes) become tag names by argmax;
    positions labelled -100 (special tokens, ignored sub-word pieces, padding)
    are dropped; the remaining tags of each sentence form ONE list
    (:func:`tags_from_logits`), so that :func:`entity_scores` scores whole
    entities. Returns ``precision``, ``recall``, ``f1`` (entity level) and
    ``accuracy`` (token level).
    """

    def compute_metrics(eval_prediction: Any) -> Metrics:
        logits, labels = logits_and_labels(eval_prediction)
        if logits.ndim != 3 or logits.shape[:2] != labels.shape:
            raise ValueError(
                "Expected logits of shape (sentences, tokens, classes) and labels of shape "
                f"(sentences, tokens); received logits {logits.shape} and labels {labels.shape}."
            )
        true_tags, pred_tags = tags_from_logits(logits, labels, label_names)
        return entity_scores(true_tags, pred_tags, per_entity=per_entity)

    return compute_metrics


# --- intervals over sentences, and what case alone finds -------------------------------


def entity_counts(true_tags: list[list[str]], pred_tags: list[list[str]]) -> np.ndarray:
    """Per sentence: entities predicted exactly right, entities predicted, true entities (shape (sentences, 3)).

    The entities follow seqeval's (conlleval's) rules, sentence by sentence, so the sums
    over all sentences give :func:`entity_scores`' micro precision, recall and F1.
    """
    _check_sentences(true_tags, pred_tags)
    counts = np.zeros((len(true_tags), 3), dtype=np.int64)
    for row, (truth, prediction) in enumerate(zip(true_tags, pred_tags)):
        true_set, pred_set = set(get_entities(list(truth))), set(get_entities(list(prediction)))
        counts[row] = len(true_set & pred_set), len(pred_set), len(true_set)
    return counts


def _f1_of_counts(sums: np.ndarray) -> np.ndarray:
    """Entity F1 from summed (right, predicted, true) counts; 0 where nothing was predicted or true."""
    right, predicted, true = sums[..., 0], sums[..., 1], sums[..., 2]
    denominator = predicted + true
    return np.divide(2 * right, denominator, out=np.zeros(right.shape, dtype=float), where=denominator > 0)


def _sentence_bootstrap(count_sets: list[np.ndarray], combine: Callable[..., np.ndarray], resamples: int,
                        confidence: float, seed: int) -> Any:
    from helpers.evaluation import Interval

    n = len(count_sets[0])
    if n < 2:
        raise ValueError(f"Received {n} sentence(s): a bootstrap needs at least 2 sentences.")
    if resamples < 100:
        raise ValueError(f"resamples={resamples} is too few for stable bounds: use at least 100 (1000 is usual).")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence} must lie between 0 and 1, e.g. 0.95 for a 95% interval.")
    resampled = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    value = combine(*[_f1_of_counts(counts.sum(axis=0)) for counts in count_sets])
    statistics = combine(*[_f1_of_counts(counts[resampled].sum(axis=1)) for counts in count_sets])
    tail = (1 - confidence) / 2
    low, high = np.quantile(statistics, [tail, 1 - tail])
    return Interval(float(value), float(low), float(high), confidence)


def entity_f1_interval(true_tags: list[list[str]], pred_tags: list[list[str]], resamples: int = 1000,
                       confidence: float = 0.95, seed: int = 0) -> Any:
    """Entity F1 (seqeval's micro F1) with a percentile bootstrap interval that resamples *sentences*.

    The sentence is the unit: its entities are scored together, so resampling single
    words or entities would cut them apart. Returns a :class:`helpers.evaluation.Interval`.
    """
    counts = entity_counts(true_tags, pred_tags)
    return _sentence_bootstrap([counts], lambda f1: f1, resamples, confidence, seed)


def entity_f1_difference(true_tags: list[list[str]], pred_a: list[list[str]], pred_b: list[list[str]],
                         resamples: int = 1000, confidence: float = 0.95, seed: int = 0) -> Any:
    """Entity F1 of a minus that of b, both on the same resampled sentences (a paired bootstrap).

    If the interval contains 0, this test set cannot tell the two sets of predictions apart.
    """
    counts_a, counts_b = entity_counts(true_tags, pred_a), entity_counts(true_tags, pred_b)
    return _sentence_bootstrap([counts_a, counts_b], np.subtract, resamples, confidence, seed)


UNTYPED = "ENT"  # the one entity type left by :func:`untyped`


def untyped(tags: list[list[str]]) -> list[list[str]]:
    """The same tags with every entity type replaced by ``ENT``: ``B-PER`` -> ``B-ENT``, ``O`` stays ``O``.

    Scored with :func:`entity_scores`, a prediction then only has to find an entity's span, not its type.
    """
    return [[tag if tag == "O" else f"{tag.split('-', 1)[0]}-{UNTYPED}" for tag in sentence] for sentence in tags]


def capitalised_spans(words: list[list[str]]) -> list[list[str]]:
    """A rule that sees only case: a word that starts with a capital letter, and is not the sentence's first
    word, is part of an entity; neighbouring such words form one entity. Untyped tags (``B-ENT``, ``I-ENT``, ``O``).
    """
    tags = []
    for sentence in words:
        if isinstance(sentence, str):
            raise TypeError("Give one list of words per sentence, e.g. [['EU', 'rejects', 'German'], ...].")
        sentence_tags, previous = [], "O"
        for position, word in enumerate(sentence):
            if position > 0 and word[:1].isupper():
                tag = f"I-{UNTYPED}" if previous != "O" else f"B-{UNTYPED}"
            else:
                tag = "O"
            sentence_tags.append(tag)
            previous = tag
        tags.append(sentence_tags)
    return tags


def resolve_model_or(model_id: str, offline_model_id: str | None = None) -> str:
    """What ``from_pretrained`` should load: ``model_id`` when the Hub (or a local folder or cache) serves it,
    otherwise ``offline_model_id``, with one line that says so.

    For a profile whose model (a cased one, say) has no offline copy that fits its time budget: the
    usual stand-in of :func:`helpers.models.resolve_model` may be much larger. Without
    ``offline_model_id`` this is :func:`helpers.models.resolve_model`.
    """
    from pathlib import Path

    from helpers.course.hub import failure_reason, hub_online
    from helpers.models import _hub_failure, _in_local_hf_cache, resolve_model

    if offline_model_id is None or offline_model_id == model_id:
        return resolve_model(model_id)
    online = hub_online()
    if Path(model_id).is_dir() or _in_local_hf_cache(model_id):
        return resolve_model(model_id)
    error = _hub_failure(model_id) if online else None
    if online and error is None:
        return resolve_model(model_id)
    why = "Hub unreachable" if error is None else f"the Hugging Face Hub failed ({failure_reason(error)})"
    print(f"{model_id}: {why}, so this profile uses {offline_model_id} instead.")
    return resolve_model(offline_model_id)
