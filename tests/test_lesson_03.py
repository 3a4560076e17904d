"""Lesson 03, few-shot classification with SetFit: its checks, the reference scores it reads, its plot,
and the lesson graded three ways."""

import inspect
import json

import numpy as np
import pytest
from setfit.sampler import ContrastiveDataset

from helpers import plots, records
from helpers.checks import few_shot_setfit as checks
from helpers.checks.core import ExerciseFailed
from helpers.data import CONFIDENCE_REVIEWS, PAIR_REVIEWS

TEXTS = [text for text, _ in PAIR_REVIEWS]


def right_pairs(texts, labels):
    positive, negative = [], []
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            (positive if labels[i] == labels[j] else negative).append((texts[i], texts[j]))
    return positive, negative


def test_contrastive_pairs(grading):
    checks.contrastive_pairs(right_pairs)
    with pytest.raises(ExerciseFailed, match="swapped"):
        checks.contrastive_pairs(lambda t, l: right_pairs(t, l)[::-1])

    def both_orders(texts, labels):
        positive, negative = right_pairs(texts, labels)
        return positive + [(b, a) for a, b in positive], negative

    with pytest.raises(ExerciseFailed, match="appears 2 times"):
        checks.contrastive_pairs(both_orders)

    def first_class_only(texts, labels):
        positive, negative = right_pairs(texts, labels)
        return [p for p in positive if p[0] in (TEXTS[0], "gripping")], negative

    with pytest.raises(ExerciseFailed, match="positive pair.* missing"):
        checks.contrastive_pairs(first_class_only)
    with pytest.raises(ExerciseFailed, match=r"three classes|labels \['good'"):
        # Right for two classes only: compares with the first sentence's label.
        checks.contrastive_pairs(
            lambda t, l: right_pairs(t, [x == l[0] for x in l]) if len(set(l)) > 2 else right_pairs(t, l))
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.contrastive_pairs(lambda t, l: (..., ...))
    with pytest.raises(ExerciseFailed, match="return a tuple"):
        checks.contrastive_pairs(lambda t, l: right_pairs(t, l)[0])
    assert [entry["passed"] for entry in grading()] == [True] + [False] * 6


def test_contrastive_pairs_uses_the_courses_tiny_set_not_the_learners(grading):
    """The check takes neither texts nor labels: pairs made as if every label were equal (what a learner's
    tiny_labels = [1, 1, 1, 1] gave) fail on the course's tiny set."""
    assert list(inspect.signature(checks.contrastive_pairs).parameters) == ["pairs_fn"]
    with pytest.raises(ExerciseFailed, match="is not a positive pair of this set"):
        checks.contrastive_pairs(lambda t, l: right_pairs(t, [1] * len(t)) if t == TEXTS else right_pairs(t, l))


def test_setfits_own_sampler_does_not_hand_over_the_pairs(grading):
    """setfit's ContrastiveDataset pairs each sentence with itself, so it does not solve exercise 1."""

    def with_setfit(texts, labels):
        sampled = ContrastiveDataset(texts, labels, multilabel=False)
        return ([(p["sentence_1"], p["sentence_2"]) for p in sampled.pos_pairs],
                [(p["sentence_1"], p["sentence_2"]) for p in sampled.neg_pairs])

    with pytest.raises(ExerciseFailed, match="with itself"):
        checks.contrastive_pairs(with_setfit)


def right_count(class_sizes, num_iterations):
    if num_iterations is not None:
        return 2 * num_iterations * sum(class_sizes)
    positive = sum(n * (n + 1) // 2 for n in class_sizes)
    negative = (sum(class_sizes) ** 2 - sum(n * n for n in class_sizes)) // 2
    return 2 * max(positive, negative)


def test_pair_count(grading):
    checks.pair_count(right_count)
    with pytest.raises(ExerciseFailed, match="positive pairs only"):
        checks.pair_count(lambda sizes, it: right_count(sizes, it) // 2)
    with pytest.raises(ExerciseFailed, match="with itself"):  # distinct pairs only, without num_iterations
        checks.pair_count(lambda sizes, it: right_count(sizes, it) if it else
                          2 * max(sum(n * (n - 1) // 2 for n in sizes),
                                  (sum(sizes) ** 2 - sum(n * n for n in sizes)) // 2))
    with pytest.raises(ExerciseFailed, match="makes 1280 pairs"):  # the book's 680, times 2
        checks.pair_count(lambda sizes, it: 2 * (it * sum(sizes) + 40) if it == 20 else right_count(sizes, it))
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.pair_count(lambda sizes, it: ...)
    assert right_count([16, 16], 20) == 1280


def right_least(sentences, probabilities):
    return sentences[int(np.asarray(probabilities).max(axis=1).argmin())]


# One row per sentence of CONFIDENCE_REVIEWS: the least confident is row 1, the least positive row 3.
PROBABILITIES = np.array([[0.02, 0.98], [0.48, 0.52], [0.8, 0.2], [0.9, 0.1], [0.3, 0.7]])


def test_least_confident(grading):
    assert len(PROBABILITIES) == len(CONFIDENCE_REVIEWS)
    checks.least_confident(right_least, PROBABILITIES)
    assert grading()[0]["message"].endswith(f"{CONFIDENCE_REVIEWS[1]!r}.")
    least_positive = lambda s, p: s[int(np.asarray(p)[:, 1].argmin())]  # noqa: E731
    with pytest.raises(ExerciseFailed, match="the least confident prediction is"):
        checks.least_confident(least_positive, PROBABILITIES)
    with pytest.raises(ExerciseFailed, match="the least confident prediction is"):
        checks.least_confident(lambda s, p: s[int(np.asarray(p).max(axis=1).argmax())], PROBABILITIES)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.least_confident(lambda s, p: ..., PROBABILITIES)


def test_least_confident_passes_the_courses_sentences_not_the_learners(grading):
    """The check pairs the probabilities with the lesson's sentences: probabilities for other sentences are
    refused, and an answer from a sentence list of the learner's fails."""
    assert list(inspect.signature(checks.least_confident).parameters) == ["least_fn", "probabilities"]
    with pytest.raises(ExerciseFailed, match="one row of class probabilities per sentence of new_sentences"):
        checks.least_confident(right_least, PROBABILITIES[:2])
    with pytest.raises(ExerciseFailed, match="one row of class probabilities"):
        checks.least_confident(right_least, ...)
    with pytest.raises(ExerciseFailed, match=f"the least confident prediction is {CONFIDENCE_REVIEWS[1]!r}"):
        checks.least_confident(lambda s, p: right_least(["mine"] * len(p), p), PROBABILITIES)


def write_run(folder, stamp, lesson, profile, scores):
    run = folder / stamp
    run.mkdir(parents=True)
    entry = {"profile": profile, "model": "some model", "train_examples": 1500, "scores": scores}
    (run / "results.json").write_text(json.dumps({"created": stamp, "notebooks": {lesson: entry}}))


def test_reference_score_prefers_the_latest_recorded_run_that_is_not_smoke(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_RUNS", str(tmp_path))
    lesson = "01_supervised_classification"
    book = records.reference_score(lesson, "test_f1")
    assert book.value == 0.849 and "the book's figure" in book.source and "p. 323" in book.source
    assert book.train_examples is None
    write_run(tmp_path, "2026-01-01T10:00:00", lesson, "cpu", {"test_f1": 0.81})
    write_run(tmp_path, "2026-01-02T10:00:00", lesson, "cpu", {"test_f1": 0.83})
    write_run(tmp_path, "2026-01-03T10:00:00", lesson, "smoke", {"test_f1": 0.4})
    (tmp_path / "unfinished").mkdir()
    (tmp_path / "unfinished" / "results.json").write_text("{")
    latest = records.reference_score(lesson, "test_f1")
    assert latest.value == 0.83 and latest.train_examples == 1500
    assert "2026-01-02T10:00:00" in latest.source and "profile cpu" in latest.source and "1,500" in latest.source
    with pytest.raises(ValueError, match="No recorded 'test_recall'.*course run"):
        records.reference_score(lesson, "test_recall")
    with pytest.raises(ValueError, match="No lesson '01_unknown'"):
        records.reference_score("01_unknown", "test_f1")


def test_few_shot_curve_plot():
    curves = {"SetFit": {4: [0.60, 0.70, 0.68], 16: [0.81, 0.79, 0.83], 8: [0.75, 0.73, 0.77]},
              "no contrastive step": {4: [0.55, 0.65, 0.60], 8: [0.70, 0.72, 0.71], 16: [0.80, 0.78, 0.79]}}
    figure = plots.plot_few_shot_curve(curves, {"frozen encoder, all labels": 0.86, "always positive": 0.67},
                                       seconds={4: 36.0, 8: 60.0, 16: 114.0})
    left, right = figure.axes
    assert left.get_xscale() == "log"
    assert [t.get_text() for t in left.get_xticklabels()] == ["4", "8", "16"]
    setfit_line = left.get_lines()[0]
    assert np.allclose(setfit_line.get_xdata(), [4, 8, 16], rtol=0.03)  # shifted a little, beside the other curve
    assert np.allclose(setfit_line.get_ydata(), [0.66, 0.75, 0.81])  # the mean over draws, sorted by size
    error_bars = left.collections[0].get_segments()  # one vertical segment per point: mean ± sd
    assert np.allclose([segment[1][1] - segment[0][1] for segment in error_bars], 2 * np.array([0.05291, 0.02, 0.02]),
                       atol=1e-4)
    labels = [text.get_text() for text in left.get_legend().get_texts()]
    assert labels == ["SetFit (mean ± sd)", "no contrastive step (mean ± sd)", "frozen encoder, all labels: 0.860",
                      "always positive: 0.670", "training time"]
    assert right.get_ylabel() == "training time (s)"
    assert left.get_ylim()[1] > 0.86  # the references stay inside the axes
    assert left.get_ylabel() == "F1 on the validation split"  # lesson 03 reads its curve on validation
    single = plots.plot_few_shot_curve({"SetFit": {4: [0.68]}}, {}, split="test")
    assert single.axes[0].get_ylabel() == "F1 on the test split" and len(single.axes) == 1
    with pytest.raises(ValueError, match="No points"):
        plots.plot_few_shot_curve({"SetFit": {}}, {"reference": 0.86})


@pytest.mark.slow
def test_graded_three_ways(graded_three_ways):
    """The most confident sentence instead of the least fails that exercise and no other."""
    grades = graded_three_ways("03_few_shot_setfit", "03-21", "confidence.argmin()", "confidence.argmax()")
    assert [(r.exercise, r.passed) for r in grades["one wrong"].results] == [
        ("contrastive_pairs", True), ("pair_count", True), ("least_confident", False)]
    assert "the least confident prediction is" in grades["one wrong"].results[2].message
