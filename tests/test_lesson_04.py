"""Lesson 04, continued pretraining with masked language modeling: its checks, the block packing, the loss
plot, and the lesson graded three ways."""

import inspect
import math
import re
from types import SimpleNamespace

import pytest

from helpers import language_modeling, plots
from helpers.checks import masked_language_modeling as checks
from helpers.checks.core import ExerciseFailed

# What a learner's settings may say; under grading the check masks with the lesson's own (smoke, seed 42).
FORGED = SimpleNamespace(profile="full", seed=7, model_id="my/model")


pytestmark = pytest.mark.usefixtures("offline_sources")  # no test reaches the network


def right_counts(num_tokens, mlm_probability, mask_replace_prob, random_replace_prob):
    selected = num_tokens * mlm_probability
    return {"selected": selected, "[MASK]": selected * mask_replace_prob, "random": selected * random_replace_prob,
            "kept": selected * (1 - mask_replace_prob - random_replace_prob)}


def test_masking_counts(grading):
    checks.masking_counts(right_counts)

    def of_all_tokens(n, p, m, r):
        return {**right_counts(n, p, m, r), "[MASK]": n * m, "random": n * r, "kept": n * (1 - m - r)}

    with pytest.raises(ExerciseFailed, match="apply to the \\*selected\\* tokens"):
        checks.masking_counts(of_all_tokens)
    with pytest.raises(ExerciseFailed, match="kept tokens are the selected ones"):
        checks.masking_counts(lambda n, p, m, r: {**right_counts(n, p, m, r), "kept": n * p * 0.1})
    with pytest.raises(ExerciseFailed, match="Return a dict with the keys"):
        checks.masking_counts(lambda n, p, m, r: n * p)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.masking_counts(lambda n, p, m, r: ...)
    assert [entry["passed"] for entry in grading()] == [True] + [False] * 4


def right_outcomes(original_ids, input_ids, labels, mask_token_id):
    outcomes = []
    for before, after, label in zip(original_ids, input_ids, labels):
        if label == -100:
            outcomes.append("-")
        elif after == mask_token_id:
            outcomes.append("[MASK]")
        else:
            outcomes.append("random" if after != before else "kept")
    return outcomes


def lesson_batch():
    """The lesson's masked reviews, made as its collator cell makes them (smoke's model, seed 42)."""
    from transformers import AutoTokenizer, DataCollatorForLanguageModeling

    from helpers.course.lessons import lesson
    from helpers.data import MASKING_REVIEWS
    from helpers.models import resolve_model

    model_id = lesson("04_masked_language_modeling").profiles["smoke"]["model_id"]
    tokenizer = AutoTokenizer.from_pretrained(resolve_model(model_id))
    two = tokenizer(list(MASKING_REVIEWS), padding=True, return_offsets_mapping=True, return_special_tokens_mask=True)
    examples = [{key: two[key][i] for key in two} for i in range(len(MASKING_REVIEWS))]
    batch = DataCollatorForLanguageModeling(tokenizer=tokenizer, mlm_probability=0.15, seed=42)(examples)
    return two["input_ids"][0], batch["input_ids"][0].tolist(), batch["labels"][0].tolist(), tokenizer.mask_token_id


def test_masking_outcomes(grading):
    checks.masking_outcomes(right_outcomes, FORGED)
    counts = {kind: right_outcomes(*lesson_batch()).count(kind) for kind in ("[MASK]", "random", "kept")}
    assert grading()[0]["message"] == f"every position named correctly; in the lesson's review 0: {counts}."
    with pytest.raises(ExerciseFailed, match="is 'kept', you said '-'"):
        # Compares inputs only: a selected token left unchanged looks unselected.
        checks.masking_outcomes(
            lambda o, i, lab, m: ["[MASK]" if x == m else ("random" if x != y else "-") for x, y in zip(i, o)], FORGED)
    with pytest.raises(ExerciseFailed, match="one outcome per position"):
        checks.masking_outcomes(lambda o, i, lab, m: right_outcomes(o, i, lab, m)[1:-1], FORGED)
    with pytest.raises(ExerciseFailed, match="Use only the outcomes"):
        checks.masking_outcomes(lambda o, i, lab, m: ["masked" if x == m else "-" for x in i], FORGED)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.masking_outcomes(lambda o, i, lab, m: ..., FORGED)


def test_masking_outcomes_masks_the_lessons_reviews_itself(grading):
    """The check takes no ids, labels or mask id from the learner: it masks the lesson's reviews again. A
    function right on the made-up example only (what forged inputs used to cover for) fails on them."""
    assert list(inspect.signature(checks.masking_outcomes).parameters) == ["outcomes_fn", "settings"]
    original, _, labels, mask_token_id = lesson_batch()
    selected = [position for position, label in enumerate(labels) if label != -100]
    assert selected and mask_token_id == 103  # the made-up example's mask id too

    def made_up_only(original_ids, input_ids, labels, mask_token_id):
        return right_outcomes(original_ids, input_ids, labels, mask_token_id) if len(original_ids) == 7 else (
            ["-"] * len(original_ids))

    with pytest.raises(ExerciseFailed, match=re.escape(f"In the lesson's review 0, position {selected[0]} (original "
                                                       f"id {original[selected[0]]}")):
        checks.masking_outcomes(made_up_only, FORGED)


def test_perplexity(grading):
    checks.perplexity(math.exp)
    with pytest.raises(ExerciseFailed, match="not 2"):
        checks.perplexity(lambda loss: 2 ** loss)
    with pytest.raises(ExerciseFailed, match="the perplexity is 1.0000"):
        checks.perplexity(lambda loss: loss)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.perplexity(lambda loss: ...)


def test_group_into_blocks_cuts_every_column_alike_and_drops_the_rest():
    batch = {"input_ids": [[1, 2, 3], [4, 5], [6, 7, 8, 9]],
             "offset_mapping": [[(0, 0), (0, 3), (0, 0)], [(0, 0), (0, 0)], [(0, 0), (0, 2), (3, 5), (0, 0)]]}
    blocks = language_modeling.group_into_blocks(batch, block_size=4)
    assert blocks["input_ids"] == [[1, 2, 3, 4], [5, 6, 7, 8]]
    assert blocks["offset_mapping"][1] == [(0, 0), (0, 0), (0, 2), (3, 5)]
    assert language_modeling.group_into_blocks(batch, block_size=10) == {"input_ids": [], "offset_mapping": []}


def test_group_into_blocks_rejects_bad_input():
    with pytest.raises(ValueError, match="block_size must be an integer"):
        language_modeling.group_into_blocks({"input_ids": [[1, 2]]}, block_size=0)
    with pytest.raises(ValueError, match="'input_ids' column"):
        language_modeling.group_into_blocks({"text": ["a review"]}, block_size=8)
    with pytest.raises(ValueError, match="Column 'label' does not have one entry per token"):
        language_modeling.group_into_blocks({"input_ids": [[1, 2], [3]], "label": [0, 1]}, block_size=2)


def test_loss_curve_plots_the_logged_training_losses():
    history = [{"loss": 9.5, "step": 10}, {"loss": 6.0, "step": 20}, {"eval_loss": 5.0, "step": 20},
               {"train_runtime": 12.0, "step": 20}]
    figure = plots.plot_loss_curve(history)
    line = figure.axes[0].get_lines()[0]
    assert list(line.get_xdata()) == [10, 20] and list(line.get_ydata()) == [9.5, 6.0]
    validation = figure.axes[0].get_lines()[1]  # lesson 01 evaluates while it trains
    assert list(validation.get_xdata()) == [20] and list(validation.get_ydata()) == [5.0]
    with pytest.raises(ValueError, match="logging_strategy='steps'"):
        plots.plot_loss_curve([{"train_runtime": 12.0, "step": 20}])


@pytest.mark.slow
def test_graded_three_ways(graded_three_ways):
    """Perplexity in base 2 fails that exercise and no other."""
    grades = graded_three_ways("04_masked_language_modeling", "04-24", "return math.exp(mean_loss)",
                               "return 2 ** mean_loss")
    assert [(r.exercise, r.passed) for r in grades["one wrong"].results] == [
        ("masking_counts", True), ("masking_outcomes", True), ("perplexity", False)]
    assert "not 2" in grades["one wrong"].results[2].message
