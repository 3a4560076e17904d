"""Checks for lesson 07, extractive question answering."""

from __future__ import annotations

import copy
import re
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from helpers.checks.core import Verdict, calls_during, close, exercise, is_unsolved
from helpers.checks.reference import dataset, lesson_settings
from helpers.checks.reference import tokenizer as course_tokenizer

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

LESSON = "07_question_answering"


def _library_shortcuts() -> dict[str, Any]:
    from helpers import question_answering

    return {f"helpers.question_answering.{name}": getattr(question_answering, name)
            for name in ("_answer_tokens", "qa_train_features", "best_span", "postprocess_qa",
                         "squad_f1", "_token_f1", "best_null_threshold", "threshold_scores")}


def _long_example(settings: SimpleNamespace) -> tuple[dict[str, Any], PreTrainedTokenizerBase, SimpleNamespace]:
    """The lesson's long example (:func:`helpers.question_answering.long_example`), its tokenizer, its settings."""
    from helpers.question_answering import long_example

    chosen = lesson_settings(LESSON, settings)
    tokenizer = course_tokenizer(chosen)
    return long_example(dataset("squad")["validation"], tokenizer, chosen.max_length, chosen.stride), tokenizer, chosen


def _span_trials(windows: Any, example: dict[str, Any]) -> list[tuple[list, list, int, int, str]]:
    """(offsets, sequence_ids, start_char, end_char, what) for every window and several character spans."""
    context = example["context"]
    answer_start = example["answers"]["answer_start"][0]
    spans = [(answer_start, answer_start + len(example["answers"]["text"][0]), "the answer")]
    words = [match.span() for match in re.finditer(r"\w+", context)]
    spans += [(*words[0], "the context's first word"), (*words[-1], "the context's last word")]
    trials = []
    for window, offsets in enumerate(windows["offset_mapping"]):
        sequence_ids = windows.sequence_ids(window)
        context_tokens = [i for i, s in enumerate(sequence_ids) if s == 1]
        first, last = offsets[context_tokens[0]], offsets[context_tokens[-1]]
        window_spans = [*spans, (first[0], first[1], "the window's first context token"),
                        (last[0], last[1], "the window's last context token")]
        after = [e for _, e in words if e > last[1]]
        before = [s for s, _ in words if s < first[0]]
        if after:  # from the last token into the next window
            window_spans.append((last[0], after[0], "a span that runs past the window's end"))
        if before:  # from the previous window into the first token
            window_spans.append((before[-1], first[1], "a span that starts before the window"))
        for start_char, end_char, what in window_spans:
            trials.append((list(map(tuple, offsets)), list(sequence_ids), start_char, end_char,
                           f"{what} (characters {start_char}-{end_char}) in window {window}"))
    return trials


@exercise
def answer_token_span(span_fn: Any, settings: SimpleNamespace) -> Verdict:
    """A function: the answer's first and last token in one window, or (0, 0) if it is not whole there.

    It is tried on the windows of the lesson's long example, which the check picks and tokenizes
    itself from the course's data (``settings``: see :func:`helpers.checks.reference.lesson_settings`).
    """
    from helpers.question_answering import _answer_tokens

    if not callable(span_fn):
        return False, "answer_token_span must be a function of (offsets, sequence_ids, start_char, end_char)."
    example, tokenizer, chosen = _long_example(settings)
    windows = tokenizer(example["question"], example["context"], max_length=chosen.max_length, stride=chosen.stride,
                        truncation="only_second", return_overflowing_tokens=True, return_offsets_mapping=True)
    for offsets, sequence_ids, start_char, end_char, what in _span_trials(windows, example):
        # copies: it cannot change the reference
        answer, used = calls_during(span_fn, (list(offsets), list(sequence_ids), start_char, end_char),
                                    _library_shortcuts())
        if used:
            return False, f"Write the search yourself: your function calls {used[0]}."
        if is_unsolved(answer):
            return False, "Replace the ... : find the context tokens whose characters hold start_char and end_char."
        text = example["context"][start_char:end_char]
        expected = _answer_tokens({"text": [text], "answer_start": [start_char]}, offsets, sequence_ids)
        if not isinstance(answer, (tuple, list)) or tuple(answer) != expected:
            hint = (" The span is not wholly inside this window's context: return (0, 0)." if expected == (0, 0) else
                    " Only tokens with sequence id 1 belong to the context." if tuple(answer) == (0, 0) else "")
            return False, f"For {what}, {text!r}, the tokens are {expected}; you gave {answer!r}.{hint}"
    return True, f"every span tried in all {len(windows['offset_mapping'])} windows maps to the right tokens."


def _reference_span(offsets: list, starts: Any, ends: Any, n_best: int, longest: int) -> tuple[float, int, int] | None:
    from helpers.question_answering import best_span

    return best_span(offsets, starts, ends, n_best, longest)


def _window_trials(windows: dict[str, Any], start_logits: Any, end_logits: Any) -> list[tuple]:
    """(offsets, starts, ends, n_best, max length, what): a trap for each rule, then the real windows."""
    offsets = [None, None, [0, 3], [4, 9], [10, 12], [13, 18], [19, 25], None]
    starts = np.array([9.0, 0, 1.0, 2.0, 0.5, 6.0, 0.2, 8.0])
    ends = np.array([9.0, 0, 0.3, 3.0, 0.1, 0.2, 1.0, 7.0])
    trials = [
        (offsets, starts, ends, 1, 30, "n_best 1 (the best start and end form no valid pair)"),
        (offsets, starts, ends, 3, 30, "logits whose best start (token 5) comes after the best end (token 3)"),
        (offsets, starts, ends, 8, 1, "max_answer_length 1 (the best pair is two tokens long)"),
        (offsets, np.append(starts, 50.0), np.append(ends, 50.0), 8, 30, "logits padded beyond the offsets"),
    ]
    trials += [(offsets, start_logits[w], end_logits[w], 20, 30, f"window {w} of the long paragraph")
               for w, offsets in enumerate(windows["offset_mapping"])]
    return trials


def _logits(start_logits: Any, end_logits: Any, offsets: list[list[Any]]) -> tuple[np.ndarray, np.ndarray] | None:
    """The start and end logits as arrays, if they hold one row per window, at least as long as its offsets."""
    try:
        starts, ends = np.asarray(start_logits, dtype=float), np.asarray(end_logits, dtype=float)
    except (TypeError, ValueError):
        return None
    right = (starts.ndim == 2 and starts.shape == ends.shape and len(starts) == len(offsets)
             and starts.shape[1] >= max(map(len, offsets)))
    return (starts, ends) if right else None


@exercise
def best_span_in_window(best_fn: Any, start_logits: Any, end_logits: Any, settings: SimpleNamespace) -> Verdict:
    """A function: the best valid (score, start char, end char) of one window among the n-best starts and ends.

    The logits are the learner's model's, for the windows of the lesson's long example; the check
    picks that example and cuts its windows itself from the course's data (``settings``: see
    :func:`helpers.checks.reference.lesson_settings`).
    """
    from helpers.question_answering import qa_eval_features

    if not callable(best_fn):
        return False, ("best_span_in_window must be a function of "
                       "(offsets, start_logits, end_logits, n_best, max_answer_length).")
    example, tokenizer, chosen = _long_example(settings)
    features = qa_eval_features(tokenizer, chosen.max_length, chosen.stride)
    windows = features({key: [value] for key, value in example.items()})
    logits = _logits(start_logits, end_logits, windows["offset_mapping"])
    if logits is None:
        return False, (f"long_starts and long_ends must hold the model's start and end logits of the long paragraph's "
                       f"{len(windows['offset_mapping'])} windows, one row per window (profile {chosen.profile!r}); "
                       f"got {np.shape(start_logits)} and {np.shape(end_logits)}.")
    for offsets, starts, ends, n_best, longest, what in _window_trials(windows, *logits):
        # copies: it cannot change the reference
        answer, used = calls_during(best_fn, (copy.deepcopy(offsets), starts.copy(), ends.copy(), n_best, longest),
                                    _library_shortcuts())
        if used:
            return False, f"Write the search yourself: your function calls {used[0]}."
        if answer is ...:
            return False, "Replace the ... : pair the n_best highest starts with the n_best highest ends."
        expected = _reference_span(offsets, starts, ends, n_best, longest)
        if expected is None and answer is None:
            continue
        right = (expected is not None and isinstance(answer, (tuple, list)) and len(answer) == 3
                 and close(answer[0], expected[0], 1e-3) and tuple(answer[1:]) == expected[1:])
        if not right:
            shown = "None (no valid pair)" if expected is None else f"{(round(expected[0], 3), *expected[1:])}"
            return False, (f"For {what} the best valid span is {shown}; you gave {answer!r}. A pair needs both "
                           "tokens in the context, start <= end, at most max_answer_length tokens, and both "
                           "among the n_best highest scores.")
    return True, "your search agrees with the course's on every window and on each trap."


@exercise
def f1_by_hand(f1_fn: Any, prediction: str, question_id: str) -> Verdict:
    """A function: SQuAD F1 of one prediction against one gold answer, on bags of normalised words.

    ``prediction`` is the learner's model's answer to the SQuAD validation question ``question_id``;
    its first gold answer comes from the course's data.
    """
    from helpers.question_answering import squad_f1

    if not callable(f1_fn):
        return False, "f1_by_hand must be a function of (prediction, truth)."
    if not isinstance(prediction, str):
        return False, f"The prediction must be the model's answer, a string; got {prediction!r:.80}."
    validation = dataset("squad")["validation"]
    ids = list(validation["id"])
    if question_id not in ids:
        return False, f"{question_id!r} is not the id of a SQuAD validation question: pass partly_right."
    truth = validation[ids.index(question_id)]["answers"]["text"][0]
    trials = [(prediction, truth), ("the cat sat on the mat", "a cat sat"), ("the cat and the cat", "a cat cat"),
              ("Denver Broncos", "Broncos of Denver"), ("1884", "in 1884."), ("", ""), ("the", "Paris"),
              ("Paris", "London")]
    for predicted, gold in trials:
        answer, used = calls_during(f1_fn, (predicted, gold), _library_shortcuts())
        if used:
            return False, f"Count the shared words yourself: your function calls {used[0]}."
        if is_unsolved(answer):
            return False, "Replace the ... : normalise, split, count shared words as a bag, combine P and R."
        expected = squad_f1(predicted, [gold])
        if not isinstance(answer, (int, float)) or not close(answer, expected):
            hint = (" Count a shared word as often as it appears in both (a bag, collections.Counter's &)."
                    if (predicted, gold) == ("the cat and the cat", "a cat cat") else
                    " Two texts with no words left are a perfect match." if predicted == gold == "" else "")
            return False, f"F1 of {predicted!r} against {gold!r} is {expected:.4f}; you gave {answer!r}.{hint}"
    return True, f"F1 of {prediction!r} against the gold answer {truth!r}: {squad_f1(prediction, [truth]):.4f}."


def _threshold_questions(settings: SimpleNamespace) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """The lesson's answerable and constructed unanswerable questions: their accepted answers ([""]: none),
    and the validation and test halves of their ids, rebuilt from the course's data."""
    from datasets import concatenate_datasets

    from helpers.data import subset
    from helpers.question_answering import reference_answers, split_validation_test, unanswerable_pairs

    chosen = lesson_settings(LESSON, settings)
    validation = dataset("squad")["validation"]
    questions = subset(validation, chosen.max_eval_samples, seed=chosen.seed)
    other, _ = unanswerable_pairs(questions, validation, seed=chosen.seed)
    references = reference_answers(concatenate_datasets([questions, other]))
    return references, *split_validation_test(list(references), seed=chosen.seed)


def _threshold_trials() -> list[tuple[list[float], list[bool], list[float], str]]:
    """(gaps, has_answer, span_f1, what): small cases where each usual mistake gives a worse threshold."""
    return [
        ([-3.0, -1.0, 2.0, 4.0], [True, True, False, False], [1.0, 0.5, 0.0, 0.0],
         "four questions whose gaps separate the two kinds (answerable: -3 and -1)"),
        ([-2.0, 0.5, 1.0, 3.0, 5.0], [True, True, True, True, True], [1.0, 0.8, 0.6, 0.4, 0.2],
         "five answerable questions (the best is to answer all of them)"),
        ([-4.0, -2.0, 1.0], [False, False, False], [0.0, 0.0, 0.0],
         "three unanswerable questions (the best is to answer none, even the lowest gap)"),
        ([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], [True, False, True, False, True, False], [1.0, 0.0, 0.2, 0.0, 1.0, 0.0],
         "six questions whose kinds alternate along the gap"),
    ]


def _best_score(gaps: Any, has_answer: Any, span_f1: Any) -> float:
    from helpers.question_answering import best_null_threshold, threshold_scores

    return float(threshold_scores(gaps, has_answer, span_f1, [best_null_threshold(gaps, has_answer, span_f1)])[0])


def _score_of(threshold: float, gaps: Any, has_answer: Any, span_f1: Any, reverse: bool = False) -> float:
    """Mean F1 of one threshold; ``reverse``: "no answer" below it instead of above it (the sign mistake)."""
    from helpers.question_answering import threshold_scores

    if reverse:
        return float(threshold_scores(-np.asarray(gaps, dtype=float), has_answer, span_f1, [-threshold])[0])
    return float(threshold_scores(gaps, has_answer, span_f1, [threshold])[0])


def _threshold_verdict(answer: Any, gaps: list, has_answer: list, span_f1: list, what: str,
                       sign_hint: bool = False) -> str | None:
    """None if ``answer`` is a best threshold for these questions; otherwise what is wrong with it.

    ``sign_hint``: on questions whose two kinds the gap separates, a threshold that is best for the
    opposite rule ("no answer" below it) is the sign mistake.
    """
    if not isinstance(answer, (int, float, np.floating, np.integer)) or isinstance(answer, bool) or np.isnan(answer):
        return f"For {what}, return the threshold, a number; you gave {answer!r:.80}."
    best, got = _best_score(gaps, has_answer, span_f1), _score_of(float(answer), gaps, has_answer, span_f1)
    if close(got, best, 1e-9):
        return None
    reversed_best = max(_score_of(t, gaps, has_answer, span_f1, reverse=True)
                        for t in [min(gaps) - 1, *gaps, max(gaps) + 1])
    hint = (" Check the sign: \"no answer\" is for a gap (null - best span) GREATER than the threshold."
            if sign_hint and close(_score_of(float(answer), gaps, has_answer, span_f1, reverse=True), reversed_best,
                                   1e-9) else
            " Try every gap as a threshold, and one below them all; score each by the mean F1: 1 for an "
            "unanswerable question left unanswered, span_f1 for an answered question with an answer, 0 otherwise.")
    return f"For {what}, threshold {answer:.3f} scores {got:.3f} but {best:.3f} is possible.{hint}"


@exercise
def choose_threshold(choose_fn: Any, threshold: Any, gaps: Any, span_answers: Any, settings: SimpleNamespace) -> Verdict:
    """A function: the threshold on null - best span score that maximises mean F1 on the questions given.

    Tried on small cases, then on the lesson's validation half with the learner's model's ``gaps`` and best
    spans (``span_answers``; question id -> value for every question of both halves). Which questions have an
    answer, their gold answers and the two halves are rebuilt from the course's data. ``threshold``, what the
    learner chose in the lesson, must be a best threshold on the validation half.
    """
    from helpers.question_answering import squad_f1

    if not callable(choose_fn):
        return False, "choose_threshold must be a function of (score_gaps, has_answer, span_f1)."
    for trial, (trial_gaps, trial_has, trial_f1, what) in enumerate(_threshold_trials()):
        answer, used = calls_during(choose_fn, (list(trial_gaps), list(trial_has), list(trial_f1)),
                                    _library_shortcuts())
        if used:
            return False, f"Search for the threshold yourself: your function calls {used[0]}."
        if is_unsolved(answer):
            return False, ("Replace the ... : try every gap as a threshold (and one below them all), keep the one "
                           "with the highest mean F1.")
        problem = _threshold_verdict(answer, trial_gaps, trial_has, trial_f1, what, sign_hint=trial == 0)
        if problem:
            return False, problem
    references, validation_ids, test_ids = _threshold_questions(settings)
    for name, values, kind in (("gaps", gaps, (int, float, np.floating, np.integer)), ("span_answers", span_answers, str)):
        if not isinstance(values, dict) or set(values) != set(references) or not all(
                isinstance(value, kind) for value in values.values()):
            return False, (f"{name} must map every question id of the lesson (its {len(references):,} answerable and "
                           f"unanswerable questions) to a {'number' if name == 'gaps' else 'string'}: pass the "
                           f"lesson's {name}.")

    def half(ids: list[str]) -> tuple[list[float], list[bool], list[float]]:
        has = [references[i] != [""] for i in ids]
        return ([float(gaps[i]) for i in ids], has,
                [squad_f1(span_answers[i], references[i]) if h else 0.0 for i, h in zip(ids, has)])

    validation, test = half(validation_ids), half(test_ids)
    answer, used = calls_during(choose_fn, tuple(map(list, validation)), _library_shortcuts())
    if used:
        return False, f"Search for the threshold yourself: your function calls {used[0]}."
    problem = _threshold_verdict(answer, *validation, f"the {len(validation_ids)} validation questions")
    if problem:
        return False, problem
    if is_unsolved(threshold):
        return False, "Set threshold to what choose_threshold returns on the validation questions."
    if _threshold_verdict(threshold, *validation, "") is not None:
        on_test = _threshold_verdict(threshold, *test, "") is None
        return False, (f"threshold = {threshold!r:.20} is not a best threshold on the validation questions."
                       + (" It is the best on the test half: choose on validation, and use test only to report."
                          if on_test else " Call choose_threshold with the validation questions' values."))
    return True, (f"threshold {float(threshold):.3f}: mean F1 {_score_of(float(threshold), *validation):.3f} on the "
                  f"{len(validation_ids)} validation questions, the best any threshold reaches there.")
