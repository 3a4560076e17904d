"""Lesson 02, freezing layers: its checks, its plot, no helper that hands over an answer, and the lesson
graded three ways."""

import inspect
from types import SimpleNamespace

import pytest
from transformers import AutoModelForSequenceClassification, BertConfig

from helpers import freezing, plots
from helpers.checks import freezing_layers as checks
from helpers.checks.core import ExerciseFailed

# What a learner's settings may say; under grading the check loads the lesson's own model (smoke).
FORGED = SimpleNamespace(profile="full", seed=7, model_id="my/model")


pytestmark = pytest.mark.usefixtures("offline_sources")  # no test reaches the network


def tiny_bert():
    """A small random-init BERT classifier (2 blocks): only its parameter names and sizes matter here."""
    config = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, num_labels=2)
    return AutoModelForSequenceClassification.from_config(config)


def right_share(table, trainable_parts):
    return sum(table[part] for part in trainable_parts) / sum(table.values())


def test_trainable_share(grading):
    checks.trainable_share(right_share, FORGED)
    with pytest.raises(ExerciseFailed, match="percentage"):
        checks.trainable_share(lambda table, parts: 100 * right_share(table, parts), FORGED)
    with pytest.raises(ExerciseFailed, match="frozen share"):
        checks.trainable_share(lambda table, parts: 1 - right_share(table, parts), FORGED)
    made_up = {"embeddings": 11_720_448, "block 0": 1_774_464, "block 1": 1_774_464, "pooler": 147_840, "head": 770}
    with pytest.raises(ExerciseFailed, match="Use the table you are given"):
        checks.trainable_share(lambda table, parts: right_share(made_up, [p for p in parts if p in made_up]), FORGED)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.trainable_share(lambda table, parts: ..., FORGED)
    with pytest.raises(ExerciseFailed, match="must be a function"):
        checks.trainable_share(0.5, FORGED)
    assert [entry["passed"] for entry in grading()] == [True] + [False] * 5


def test_trainable_share_is_tried_on_the_lessons_model_not_the_learners_table(grading):
    """The table of the lesson's model (all-MiniLM-L6-v2 in smoke) is always tried: a function
    right for the check's made-up table alone, or one that empties the table it is given, fails."""
    assert "table" not in inspect.signature(checks.trainable_share).parameters

    def only_made_up(table, parts):  # right for the check's made-up table, whose blocks have 300 parameters
        return right_share(table, parts) if table.get("block 2") == 300 else 0.5

    with pytest.raises(ExerciseFailed, match=r"For trainable parts \['head'\] of a table with 22,713,986 parameters"):
        checks.trainable_share(only_made_up, FORGED)

    def emptying(table, parts):
        share = right_share(table, parts)
        table.clear()
        return share

    checks.trainable_share(emptying, FORGED)  # right answers; what it does to its copy changes nothing
    assert grading()[-1]["passed"]


def freeze_embeddings_by_name(model):
    for name, param in model.named_parameters():
        if ".embeddings." in f".{name}":
            param.requires_grad = False


def test_freeze_embeddings(grading):
    checks.freeze_embeddings(freeze_embeddings_by_name, FORGED)
    with pytest.raises(ExerciseFailed, match="No embedding parameter is frozen"):
        checks.freeze_embeddings(lambda model: None, FORGED)

    def word_embeddings_only(model):
        model.bert.embeddings.word_embeddings.weight.requires_grad = False

    with pytest.raises(ExerciseFailed, match="position_embeddings.weight is an embedding parameter but still trainable"):
        checks.freeze_embeddings(word_embeddings_only, FORGED)
    with pytest.raises(ExerciseFailed, match="encoder.layer.0.* is frozen but is not an embedding parameter"):
        checks.freeze_embeddings(lambda model: freezing.freeze_blocks(model, through=0), FORGED)


def test_freeze_embeddings_is_tried_on_the_lessons_model_not_the_learners(grading):
    """The check loads the lesson's model itself: freezing everything fails, whatever model the learner's
    new_model would have made (one of embeddings only, say)."""
    assert "model_factory" not in inspect.signature(checks.freeze_embeddings).parameters

    def freeze_everything(model):
        for param in model.parameters():
            param.requires_grad = False

    with pytest.raises(ExerciseFailed, match="is frozen but is not an embedding parameter"):
        checks.freeze_embeddings(freeze_everything, FORGED)


def test_no_freezing_helper_freezes_exactly_the_embeddings(grading):
    """helpers.freezing does not hand over exercise 2 as a one-liner."""
    candidates = [freezing.freeze_all_but_head] + [
        lambda model, k=k: freezing.freeze_blocks(model, through=k) for k in range(2)]
    for candidate in candidates:
        with pytest.raises(ExerciseFailed):
            checks.freeze_embeddings(candidate, FORGED)
    with pytest.raises(ValueError, match="out of range"):
        freezing.freeze_blocks(tiny_bert(), through=-1)


def right_fewest(sweep, reference):
    enough = [k for k, f1 in sweep.items() if f1 >= 0.98 * reference]
    return min(enough) if enough else None


def test_fewest_blocks(grading):
    sweep = {0: 0.52, 1: 0.69, 2: 0.73, 3: 0.76, 6: 0.77}
    checks.fewest_blocks(right_fewest, sweep, 0.77)
    with pytest.raises(ExerciseFailed, match="expected 3"):
        checks.fewest_blocks(lambda s, r: max(k for k, f in s.items() if f >= 0.98 * r), sweep, 0.77)
    in_dict_order = lambda s, r: next((k for k, f in s.items() if f >= 0.98 * r), None)  # noqa: E731
    with pytest.raises(ExerciseFailed, match="expected 1"):
        checks.fewest_blocks(in_dict_order, sweep, 0.77)
    with pytest.raises(ExerciseFailed, match="expected None"):
        checks.fewest_blocks(lambda s, r: right_fewest(s, r) or 0, sweep, 0.77)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.fewest_blocks(lambda s, r: ..., sweep, 0.77)


def test_sweep_plot_has_f1_time_reference_and_mark():
    figure = plots.plot_sweep({0: (0.5, 20.0), 1: (0.7, 25.0), 6: (0.77, 60.0)}, 0.77, marked=1)
    left, right = figure.axes
    assert list(left.get_xticks()) == [0, 1, 6]
    assert left.get_ylabel() == "F1 on the validation split" and right.get_ylabel() == "training time (s)"
    labels = [text.get_text() for text in left.get_legend().get_texts()]
    assert labels == ["F1 (validation)", "full fine-tune, F1 0.770", "levels off at 1 block(s)", "training time"]
    unmarked = plots.plot_sweep({0: (0.5, 20.0)}, 0.77)
    assert "levels off" not in " ".join(t.get_text() for t in unmarked.axes[0].get_legend().get_texts())
    with pytest.raises(ValueError, match="No points"):
        plots.plot_sweep({}, 0.77)


@pytest.mark.slow
def test_graded_three_ways(graded_three_ways):
    """The level-off point taken as the largest block count fails that exercise and no other."""
    grades = graded_three_ways("02_freezing_layers", "02-24", "min(enough)", "max(enough)")
    assert [(r.exercise, r.passed) for r in grades["one wrong"].results] == [
        ("trainable_share", True), ("freeze_embeddings", True), ("fewest_blocks", False)]
    assert "the smallest block count" in grades["one wrong"].results[2].message
