"""Turn word-level and character-level annotations into token-level training targets.

Token classification (NER): a tokenizer splits words into pieces ("Humenne" ->
"hume", "##nne"), so one label per word must become one label per token.
Question answering (SQuAD): the answer is a character span of the context; the
model predicts a start and an end *token*, and long contexts are cut into
overlapping windows.

Functions named ``*_features`` and :func:`tokenize_and_align` return batched
functions for ``Dataset.map(..., batched=True)``; they need a fast tokenizer,
which knows the word and the characters each token came from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

IGNORED_LABEL = -100
CONTINUATIONS = ("inside", "ignore")
WORDS_COLUMN = "tokens"
CLS_INDEX = 0
CONTEXT_SEQUENCE = 1

Batch = dict[str, list[Any]]


def _require_fast(tokenizer: PreTrainedTokenizerBase) -> None:
    if not tokenizer.is_fast:
        raise TypeError(
            f"{type(tokenizer).__name__} is a slow (pure Python) tokenizer: it cannot say which "
            "word or characters a token came from. Load a fast one with "
            "AutoTokenizer.from_pretrained(name_or_path)."
        )


def _check_continuation(continuation: str) -> None:
    if continuation not in CONTINUATIONS:
        raise ValueError(f"continuation must be one of {CONTINUATIONS}, got {continuation!r}.")


# --- token classification --------------------------------------------------------


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
    _require_fast(tokenizer)
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


# --- question answering ----------------------------------------------------------


def _tokenize_windows(
    tokenizer: PreTrainedTokenizerBase, batch: Batch, max_length: int, stride: int
) -> Any:
    """Tokenize (question, context) pairs, cutting long contexts into overlapping windows.

    Questions are stripped of surrounding spaces (some SQuAD questions start with
    one). Each window holds the whole question and at most ``max_length`` tokens in all;
    consecutive windows of one context share ``stride`` tokens, so an answer cut
    by one window's edge is whole in the next. ``offset_mapping`` gives, for every
    token, its (start, end) character positions in its own text.
    """
    return tokenizer(
        [question.strip() for question in batch["question"]],
        batch["context"],
        max_length=max_length,
        truncation="only_second",
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )


def _model_inputs(encoding: Any) -> Batch:
    names = ("input_ids", "attention_mask", "token_type_ids")
    return {name: encoding[name] for name in names if name in encoding}


def _context_bounds(sequence_ids: list[int | None]) -> tuple[int, int]:
    """First and last token index of the context in one window."""
    context = [i for i, sequence in enumerate(sequence_ids) if sequence == CONTEXT_SEQUENCE]
    return context[0], context[-1]


def _answer_tokens(
    answer: Mapping[str, list[Any]], offsets: list[tuple[int, int]], sequence_ids: list[int | None]
) -> tuple[int, int]:
    """Token span of the first answer's characters, or (0, 0) if it is not whole in the window."""
    if not answer["text"]:
        return CLS_INDEX, CLS_INDEX
    start_char = answer["answer_start"][0]
    end_char = start_char + len(answer["text"][0])
    first, last = _context_bounds(sequence_ids)
    if offsets[first][0] > start_char or offsets[last][1] < end_char:
        return CLS_INDEX, CLS_INDEX
    start = first
    while start < last and offsets[start + 1][0] <= start_char:
        start += 1
    end = last
    while end > first and offsets[end - 1][1] >= end_char:
        end -= 1
    return start, end


def qa_train_features(
    tokenizer: PreTrainedTokenizerBase, max_length: int = 384, stride: int = 128
) -> Callable[[Batch], Batch]:
    """Build a batched ``Dataset.map`` function: SQuAD examples -> training windows.

    Each window gets ``start_positions``/``end_positions``: the token indices of
    the first answer's first and last character, or (0, 0), the ``[CLS]`` token,
    when the answer is not wholly inside the window. A long context gives several
    rows, so map with ``remove_columns=dataset.column_names``. Rows are not padded:
    the Trainer's default collator pads each batch when given the tokenizer.
    """
    _require_fast(tokenizer)

    def features(batch: Batch) -> Batch:
        encoding = _tokenize_windows(tokenizer, batch, max_length, stride)
        spans = [
            _answer_tokens(
                batch["answers"][encoding["overflow_to_sample_mapping"][window]],
                offsets,
                encoding.sequence_ids(window),
            )
            for window, offsets in enumerate(encoding["offset_mapping"])
        ]
        return {
            **_model_inputs(encoding),
            "start_positions": [start for start, _ in spans],
            "end_positions": [end for _, end in spans],
        }

    return features


def qa_eval_features(
    tokenizer: PreTrainedTokenizerBase, max_length: int = 384, stride: int = 128
) -> Callable[[Batch], Batch]:
    """Build a batched ``Dataset.map`` function: SQuAD examples -> evaluation windows.

    Each window keeps ``example_id`` (the question's ``id``) and ``offset_mapping``
    with ``None`` for every token outside the context, so that
    :func:`postprocess_qa` can turn predicted tokens back into context text.
    Map with ``remove_columns=dataset.column_names``.
    """
    _require_fast(tokenizer)

    def features(batch: Batch) -> Batch:
        encoding = _tokenize_windows(tokenizer, batch, max_length, stride)
        example_ids, offset_mapping = [], []
        for window, offsets in enumerate(encoding["offset_mapping"]):
            example_ids.append(batch["id"][encoding["overflow_to_sample_mapping"][window]])
            sequence_ids = encoding.sequence_ids(window)
            offset_mapping.append(
                [
                    list(offset) if sequence == CONTEXT_SEQUENCE else None
                    for offset, sequence in zip(offsets, sequence_ids)
                ]
            )
        return {
            **_model_inputs(encoding), "example_id": example_ids, "offset_mapping": offset_mapping
        }

    return features


def postprocess_qa(
    examples: Mapping[str, Sequence[Any]],
    features: Mapping[str, Sequence[Any]],
    start_logits: Sequence[Sequence[float]] | np.ndarray,
    end_logits: Sequence[Sequence[float]] | np.ndarray,
    n_best: int = 20,
    max_answer_length: int = 30,
) -> dict[str, str]:
    """Turn start/end logits of every window into one answer text per question id.

    ``examples`` holds ``id`` and ``context`` columns, ``features`` the
    ``example_id`` and ``offset_mapping`` columns from :func:`qa_eval_features`
    (a ``datasets.Dataset`` or a dict of lists); the logits have one row per
    feature. Across all windows of a question, the ``n_best`` highest start and
    end tokens are paired; a pair is valid when both tokens are in the context
    and ``start <= end < start + max_answer_length``. The valid pair with the
    highest start + end logit gives the answer, sliced from the context by the
    offsets; "" when no pair is valid.
    """
    if len(start_logits) != len(features["example_id"]) or len(end_logits) != len(start_logits):
        raise ValueError(
            f"Received {len(start_logits)} rows of start logits and {len(end_logits)} of end "
            f"logits for {len(features['example_id'])} features: pass the predictions "
            "for exactly these features, in order."
        )
    if n_best < 1 or max_answer_length < 1:
        raise ValueError(
            f"n_best and max_answer_length must be >= 1, got {n_best} and {max_answer_length}."
        )
    windows_of = defaultdict(list)
    for feature, example_id in enumerate(features["example_id"]):
        windows_of[example_id].append(feature)
    offset_mapping = list(features["offset_mapping"])

    answers = {}
    for example_id, context in zip(examples["id"], examples["context"]):
        best_score, best_text = -np.inf, ""
        for feature in windows_of[example_id]:
            offsets = offset_mapping[feature]
            starts = np.asarray(start_logits[feature])[: len(offsets)]
            ends = np.asarray(end_logits[feature])[: len(offsets)]
            best_ends = np.argsort(ends)[::-1][:n_best]
            for start in np.argsort(starts)[::-1][:n_best]:
                for end in best_ends:
                    if offsets[start] is None or offsets[end] is None:
                        continue
                    if end < start or end - start + 1 > max_answer_length:
                        continue
                    score = starts[start] + ends[end]
                    if score > best_score:
                        best_score = score
                        best_text = context[offsets[start][0] : offsets[end][1]]
        answers[example_id] = best_text
    return answers
