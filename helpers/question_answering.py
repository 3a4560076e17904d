"""Extractive question answering (SQuAD): where the answer starts and ends, as two distributions over positions.

Training windows (:func:`qa_train_features`) and evaluation windows
(:func:`qa_eval_features`) are batched ``Dataset.map`` functions: a long context is
cut into overlapping windows, each answer's characters become a start and an end
token. :func:`postprocess_qa` turns the model's start/end logits back into answer
text, window by window with :func:`best_span`; :func:`answer_question` does it all for
one question (transformers 5 has no ``question-answering`` pipeline any more);
:func:`squad_scores` computes the SQuAD exact match and F1. :func:`long_example` picks a
question whose answer is whole in several windows, to look at. Unanswerable questions:
:func:`unanswerable_pairs` builds them from v1.1 (a question with another paragraph of its
article), :func:`span_and_null_scores` gives each question's best span and null ([CLS]) score,
and :func:`best_null_threshold` chooses the threshold on their difference.
"""

from __future__ import annotations

import re
import string
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from helpers.classification import Metrics
from helpers.token_classification import Batch, require_fast_tokenizer

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

CLS_INDEX = 0
CONTEXT_SEQUENCE = 1


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
    require_fast_tokenizer(tokenizer)

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
    require_fast_tokenizer(tokenizer)

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


def long_example(
    examples: Any, tokenizer: PreTrainedTokenizerBase, max_length: int = 384, stride: int = 128,
    min_characters: int = 2500,
) -> dict[str, Any]:
    """Among the SQuAD examples whose context is longer than ``min_characters``, the one whose
    answer is whole in the most windows (:func:`qa_train_features`); the longest context among ties."""
    find_answer = qa_train_features(tokenizer, max_length, stride)

    def windows_with_answer(row: dict[str, Any]) -> int:
        return sum(start > 0 for start in find_answer({key: [value] for key, value in row.items()})["start_positions"])

    long_rows = [examples[i] for i, context in enumerate(examples["context"]) if len(context) > min_characters]
    if not long_rows:
        raise ValueError(f"No context is longer than {min_characters} characters.")
    return max(long_rows, key=lambda row: (windows_with_answer(row), len(row["context"])))


def _windows_by_question(features: Any, start_logits: Any, end_logits: Any, n_best: int,
                         max_answer_length: int) -> tuple[dict[str, list[int]], list]:
    """After checking the arguments: each question id's feature (window) indices, and every feature's offsets."""
    if len(start_logits) != len(features["example_id"]) or len(end_logits) != len(start_logits):
        raise ValueError(
            f"Received {len(start_logits)} rows of start logits and {len(end_logits)} of end "
            f"logits for {len(features['example_id'])} features: pass the predictions "
            "for exactly these features, in order."
        )
    _check_search(n_best, max_answer_length)
    windows_of = defaultdict(list)
    for feature, example_id in enumerate(features["example_id"]):
        windows_of[example_id].append(feature)
    return windows_of, list(features["offset_mapping"])


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
    windows_of, offset_mapping = _windows_by_question(features, start_logits, end_logits, n_best, max_answer_length)

    answers = {}
    for example_id, context in zip(examples["id"], examples["context"]):
        best = _best_of([best_span(offset_mapping[feature], start_logits[feature], end_logits[feature],
                                   n_best, max_answer_length) for feature in windows_of[example_id]])
        answers[example_id] = "" if best is None else context[best[1]:best[2]]
    return answers


def _best_of(spans: list[tuple[float, int, int] | None]) -> tuple[float, int, int] | None:
    """The highest-scoring span over a question's windows (None for a window without a valid span)."""
    return max((span for span in spans if span is not None), default=None)


def _check_search(n_best: int, max_answer_length: int) -> None:
    if n_best < 1 or max_answer_length < 1:
        raise ValueError(
            f"n_best and max_answer_length must be >= 1, got {n_best} and {max_answer_length}."
        )


def best_span(
    offsets: Sequence[Sequence[int] | None],
    start_logits: Sequence[float] | np.ndarray,
    end_logits: Sequence[float] | np.ndarray,
    n_best: int = 20,
    max_answer_length: int = 30,
) -> tuple[float, int, int] | None:
    """The best answer in ONE window: ``(start + end logit, first character, end character)``, or None.

    ``offsets`` is the window's ``offset_mapping`` from :func:`qa_eval_features`
    (``None`` outside the context); logits beyond its length (padding) are ignored.
    The ``n_best`` highest start and end tokens are paired; a pair counts when both
    tokens are in the context and ``start <= end < start + max_answer_length``.
    """
    _check_search(n_best, max_answer_length)
    starts = np.asarray(start_logits)[: len(offsets)]
    ends = np.asarray(end_logits)[: len(offsets)]
    best = None
    best_ends = np.argsort(ends)[::-1][:n_best]
    for start in np.argsort(starts)[::-1][:n_best]:
        for end in best_ends:
            if offsets[start] is None or offsets[end] is None:
                continue
            if end < start or end - start + 1 > max_answer_length:
                continue
            score = float(starts[start] + ends[end])
            if best is None or score > best[0]:
                best = (score, int(offsets[start][0]), int(offsets[end][1]))
    return best


def answer_question(
    model: Any, tokenizer: PreTrainedTokenizerBase, question: str, context: str,
    max_length: int = 384, stride: int = 128, n_best: int = 20, max_answer_length: int = 30,
) -> dict[str, Any]:
    """Answer one question from one context with a trained ``AutoModelForQuestionAnswering``.

    What transformers 4's ``question-answering`` pipeline did, which transformers 5
    removed: cut the context into windows (:func:`qa_eval_features`), run the model,
    keep the best span over all windows (:func:`best_span`). Returns ``answer``,
    its ``start`` and ``end`` characters in ``context`` and ``score``, the start + end
    logit (not a probability); ``answer`` is "" and ``score`` None if no span is valid.
    ``null_score`` is the start + end logit at ``[CLS]``, the smallest over the windows
    (see :func:`span_and_null_scores`): compare ``null_score - score`` with a threshold.
    """
    import torch

    if not question.strip() or not context.strip():
        raise ValueError("Give a non-empty question and a non-empty context.")
    windows = qa_eval_features(tokenizer, max_length, stride)(
        {"id": ["question"], "question": [question], "context": [context]})
    inputs = tokenizer.pad(_model_inputs(windows), return_tensors="pt").to(model.device)
    model.eval()
    with torch.no_grad():
        output = model(**inputs)
    all_starts, all_ends = output.start_logits.cpu().numpy(), output.end_logits.cpu().numpy()
    best = _best_of([best_span(offsets, starts, ends, n_best, max_answer_length) for offsets, starts, ends
                     in zip(windows["offset_mapping"], all_starts, all_ends)])
    null_score = float((all_starts[:, CLS_INDEX] + all_ends[:, CLS_INDEX]).min())
    if best is None:
        return {"answer": "", "start": 0, "end": 0, "score": None, "null_score": null_score}
    score, start, end = best
    return {"answer": context[start:end], "start": start, "end": end, "score": score, "null_score": null_score}


# --- SQuAD v1.1 scores ------------------------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD v1.1 normalisation: lower-case, drop punctuation, articles and extra spaces."""
    text = "".join(char for char in text.lower() if char not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def _check_ground_truths(ground_truths: Sequence[str]) -> None:
    """Refuse all but a non-empty list of answer strings, e.g. SQuAD's whole ``answers`` dict."""
    if isinstance(ground_truths, Mapping):
        raise ValueError(
            f"ground_truths is a dict ({ground_truths!r}): pass answers['text'], the list of "
            "answer strings, not the whole answers dict."
        )
    if (
        isinstance(ground_truths, str)
        or not ground_truths
        or not all(isinstance(truth, str) for truth in ground_truths)
    ):
        raise ValueError(
            f"ground_truths must be a non-empty list of answer strings, got {ground_truths!r}."
        )


def _token_f1(prediction: str, ground_truth: str) -> float:
    predicted = normalize_answer(prediction).split()
    expected = normalize_answer(ground_truth).split()
    if not predicted or not expected:
        return float(predicted == expected)
    overlap = sum((Counter(predicted) & Counter(expected)).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(predicted), overlap / len(expected)
    return 2 * precision * recall / (precision + recall)


def squad_exact_match(prediction: str, ground_truths: Sequence[str]) -> float:
    """1.0 if the normalised prediction equals any normalised ground truth, else 0.0."""
    _check_ground_truths(ground_truths)
    return float(any(normalize_answer(prediction) == normalize_answer(t) for t in ground_truths))


def squad_f1(prediction: str, ground_truths: Sequence[str]) -> float:
    """Best token-overlap F1 between the prediction and any ground truth (0.0 to 1.0).

    When a normalised text has no tokens, F1 is 1.0 if both have none and 0.0 otherwise,
    like exact match and the SQuAD v2.0 script (v1.1's script gives 0.0 even for two empty texts).
    """
    _check_ground_truths(ground_truths)
    return max(_token_f1(prediction, truth) for truth in ground_truths)


def squad_scores(
    predictions: Mapping[str, str], references: Mapping[str, Sequence[str]]
) -> Metrics:
    """``exact_match`` and ``f1`` in percent, averaged over questions like the official script.

    ``predictions`` maps question id to predicted text; ``references`` maps
    question id to its list of accepted answers. Both must hold the same ids.
    """
    missing, extra = set(references) - set(predictions), set(predictions) - set(references)
    if missing or extra:
        raise ValueError(
            f"predictions and references must have the same question ids: {len(missing)} "
            f"without a prediction (e.g. {sorted(missing)[:3]}), {len(extra)} without "
            f"a reference (e.g. {sorted(extra)[:3]})."
        )
    if not references:
        raise ValueError("No questions to score: references is empty.")
    exact = sum(squad_exact_match(predictions[i], answers) for i, answers in references.items())
    f1 = sum(squad_f1(predictions[i], answers) for i, answers in references.items())
    return {"exact_match": 100 * exact / len(references), "f1": 100 * f1 / len(references)}


# --- Unanswerable questions, built from SQuAD v1.1 -------------------------------------------

NO_ANSWER_SUFFIX = "-other-paragraph"


def _contains_answer(paragraph: str, answers: Sequence[str]) -> bool:
    """Whether one of the answer texts occurs, as whole words after normalisation, in ``paragraph``."""
    words = f" {normalize_answer(paragraph)} "
    return any(normalize_answer(answer) and f" {normalize_answer(answer)} " in words for answer in answers)


def unanswerable_pairs(questions: Any, paragraphs: Any, seed: int = 42) -> tuple[Any, int]:
    """Unanswerable questions made from answerable ones: each question paired with another paragraph of its article.

    ``questions`` and ``paragraphs`` are SQuAD splits (``id``, ``title``, ``context``,
    ``question``, ``answers``); for every question one other paragraph of the same
    ``title`` is drawn from ``paragraphs`` (seeded). The topic stays close, but the
    answer should be absent: a pair whose paragraph contains one of the question's gold
    answers (normalised, as whole words) is dropped, and so is a question whose article
    has no other paragraph. Returns the new questions, as a ``datasets.Dataset`` with the
    columns of ``questions``, ``id`` + ``"-other-paragraph"`` and empty ``answers``, and the
    number of pairs dropped because the paragraph contained the answer.
    """
    import datasets

    by_title: dict[str, list[str]] = defaultdict(list)
    for title, context in zip(paragraphs["title"], paragraphs["context"]):
        if context not in by_title[title]:
            by_title[title].append(context)
    rng = np.random.default_rng(seed)
    rows: dict[str, list[Any]] = {name: [] for name in questions.column_names}
    contain_answer = 0
    for row in questions:
        others = [context for context in by_title[row["title"]] if context != row["context"]]
        if not others:
            continue
        other = others[int(rng.integers(len(others)))]
        if _contains_answer(other, row["answers"]["text"]):
            contain_answer += 1
            continue
        new = {**row, "id": row["id"] + NO_ANSWER_SUFFIX, "context": other,
               "answers": {"text": [], "answer_start": []}}
        for name in rows:
            rows[name].append(new[name])
    return datasets.Dataset.from_dict(rows, features=questions.features), contain_answer


def reference_answers(examples: Mapping[str, Sequence[Any]]) -> dict[str, list[str]]:
    """Question id -> accepted answers; ``[""]`` (no answer) for a question without one, as SQuAD v2.0 scores it."""
    return {example_id: list(answers["text"]) or [""] for example_id, answers in zip(examples["id"], examples["answers"])}


def span_and_null_scores(
    examples: Mapping[str, Sequence[Any]],
    features: Mapping[str, Sequence[Any]],
    start_logits: Sequence[Sequence[float]] | np.ndarray,
    end_logits: Sequence[Sequence[float]] | np.ndarray,
    n_best: int = 20,
    max_answer_length: int = 30,
) -> dict[str, dict[str, Any]]:
    """For each question id: its best span (``answer``, ``span_score``) and its ``null_score``.

    Like :func:`postprocess_qa`, the best valid span over all the question's windows
    (``span_score`` is -inf and ``answer`` "" when no span is valid). The null score is the
    start + end logit at ``[CLS]`` (position 0), the smallest over the question's windows:
    the window that sees the answer best gives the weakest "no answer here", so one window
    that does not hold the answer cannot outvote the one that does.
    """
    windows_of, offset_mapping = _windows_by_question(features, start_logits, end_logits, n_best, max_answer_length)
    scores = {}
    for example_id, context in zip(examples["id"], examples["context"]):
        windows = windows_of[example_id]
        if not windows:
            raise ValueError(f"Question {example_id!r} has no window among the features.")
        best = _best_of([best_span(offset_mapping[w], start_logits[w], end_logits[w], n_best, max_answer_length)
                         for w in windows])
        null = min(float(start_logits[w][CLS_INDEX] + end_logits[w][CLS_INDEX]) for w in windows)
        scores[example_id] = {"answer": "" if best is None else context[best[1]:best[2]],
                              "span_score": float("-inf") if best is None else best[0], "null_score": null}
    return scores


def score_gaps(scores: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """Question id -> null score - best span score (from :func:`span_and_null_scores`): large means "no answer"."""
    return {example_id: score["null_score"] - score["span_score"] for example_id, score in scores.items()}


def apply_threshold(answers: Mapping[str, str], gaps: Mapping[str, float], threshold: float) -> dict[str, str]:
    """The answers, with "" (no answer) where null score - best span score > ``threshold``."""
    return {example_id: "" if gaps[example_id] > threshold else answer for example_id, answer in answers.items()}


def threshold_scores(gaps: Sequence[float], has_answer: Sequence[bool], span_f1: Sequence[float],
                     thresholds: Sequence[float]) -> np.ndarray:
    """Mean F1 over the questions for each threshold: "no answer" (gap > threshold) scores 1 on a question
    without an answer and 0 on one with an answer; a span scores ``span_f1`` (give 0 where there is no answer)."""
    gaps, has_answer, span_f1 = (np.asarray(gaps, dtype=float), np.asarray(has_answer, dtype=bool),
                                 np.asarray(span_f1, dtype=float))
    if not len(gaps) == len(has_answer) == len(span_f1) or not len(gaps):
        raise ValueError(f"Expected one gap, has_answer and span_f1 per question; got {len(gaps)}, "
                         f"{len(has_answer)} and {len(span_f1)}.")
    thresholds = np.asarray(thresholds, dtype=float)
    answered = np.where(has_answer, span_f1, 0.0)
    if not len(thresholds):
        return np.zeros(0)
    rows = max(1, 2**22 // len(gaps))  # thresholds per block: all of SQuAD's validation would not fit at once
    blocks = np.array_split(thresholds, -(-len(thresholds) // rows))
    return np.concatenate([np.where(gaps[None, :] > block[:, None], ~has_answer[None, :], answered[None, :]).mean(axis=1)
                           for block in blocks])


def best_null_threshold(gaps: Sequence[float], has_answer: Sequence[bool], span_f1: Sequence[float]) -> float:
    """The threshold on null - best span score that maximises :func:`threshold_scores` on these questions.

    The candidates are every gap (answer the questions up to it) and one below them all
    (answer none); among equal scores the smallest threshold wins.
    """
    gaps = np.asarray(gaps, dtype=float)
    if not len(gaps):
        raise ValueError("No questions: pass the validation questions' gaps.")
    finite = gaps[np.isfinite(gaps)]
    candidates = np.unique(np.concatenate([[finite.min() - 1.0 if len(finite) else 0.0], finite]))
    return float(candidates[int(np.argmax(threshold_scores(gaps, has_answer, span_f1, candidates)))])


def split_validation_test(ids: Sequence[str], seed: int = 42) -> tuple[list[str], list[str]]:
    """Question ids cut in two halves, validation and test; a question and its other-paragraph twin
    (:func:`unanswerable_pairs`) always fall in the same half."""
    base = sorted({example_id.removesuffix(NO_ANSWER_SUFFIX) for example_id in ids})
    order = np.random.default_rng(seed).permutation(len(base))
    validation_base = {base[i] for i in order[: len(base) // 2]}
    validation = [i for i in ids if i.removesuffix(NO_ANSWER_SUFFIX) in validation_base]
    test = [i for i in ids if i.removesuffix(NO_ANSWER_SUFFIX) not in validation_base]
    return validation, test
