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


def right_top_k(logits, input_ids, mask_token_id, k=5):
    import torch

    position = int((input_ids == mask_token_id).nonzero()[0])
    best = torch.topk(torch.softmax(logits[position], dim=-1), k)
    return [(int(token), float(probability)) for token, probability in zip(best.indices, best.values)]


def test_top_k_guesses(grading):
    import torch

    checks.top_k_guesses(right_top_k, FORGED)
    assert grading()[0]["passed"]

    def at(position_of):
        def guesses(logits, input_ids, mask_token_id, k=5):
            best = torch.topk(torch.softmax(logits[position_of(input_ids, mask_token_id)], dim=-1), k)
            return [(int(t), float(p)) for t, p in zip(best.indices, best.values)]
        return guesses

    with pytest.raises(ExerciseFailed, match="best guesses at position 0, but the \\[MASK\\] is at position 3"):
        checks.top_k_guesses(at(lambda ids, mask: 0), FORGED)
    with pytest.raises(ExerciseFailed, match="Those are logits, not probabilities"):
        checks.top_k_guesses(lambda logits, ids, mask, k=5: [
            (int(t), float(v)) for v, t in zip(*torch.topk(logits[int((ids == mask).nonzero()[0])], k))], FORGED)
    with pytest.raises(ExerciseFailed, match="softmax ran over the positions"):
        def over_positions(logits, ids, mask, k=5):
            position = int((ids == mask).nonzero()[0])
            probabilities = torch.softmax(logits, dim=0)[position]
            return [(int(t), float(probabilities[t])) for t in torch.topk(logits[position], k).indices]
        checks.top_k_guesses(over_positions, FORGED)
    with pytest.raises(ExerciseFailed, match="not in order"):
        checks.top_k_guesses(lambda logits, ids, mask, k=5: right_top_k(logits, ids, mask, k)[::-1], FORGED)
    with pytest.raises(ExerciseFailed, match="Return a list of k = 4"):
        checks.top_k_guesses(lambda logits, ids, mask, k=5: right_top_k(logits, ids, mask, k)[0], FORGED)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.top_k_guesses(lambda logits, ids, mask, k=5: ..., FORGED)


def test_top_k_guesses_compares_with_the_pipeline_on_the_lessons_model(grading):
    """Right on made-up logits only (what a check of forged inputs would accept) fails on the lesson's sentences."""
    def made_up_only(logits, input_ids, mask_token_id, k=5):
        answer = right_top_k(logits, input_ids, mask_token_id, k)
        return answer if logits.shape[-1] == 40 else [(token, probability / 2) for token, probability in answer]

    with pytest.raises(ExerciseFailed, match="For 'What a horrible \\[MASK\\]!' the fill-mask pipeline gives"):
        checks.top_k_guesses(made_up_only, FORGED)


def right_perplexity(logits, labels):
    import torch

    selected = labels != -100
    true_tokens = torch.log_softmax(logits[selected], dim=-1).gather(-1, labels[selected].unsqueeze(-1))
    return math.exp(-true_tokens.mean().item())


def test_masked_perplexity(grading):
    import torch

    checks.masked_perplexity(right_perplexity, FORGED)
    assert "from its" in grading()[0]["message"] and grading()[0]["passed"]

    def every_position(logits, labels):  # -100 read as token 0, averaged over all positions
        picked = torch.log_softmax(logits, -1).gather(-1, labels.clamp(min=0).unsqueeze(-1))
        return math.exp(-picked.mean().item())

    def mean_of_exps(logits, labels):
        selected = labels != -100
        picked = torch.log_softmax(logits[selected], -1).gather(-1, labels[selected].unsqueeze(-1))
        return float((-picked).exp().mean())

    def no_log_softmax(logits, labels):
        selected = labels != -100
        return math.exp(-logits[selected].gather(-1, labels[selected].unsqueeze(-1)).mean().item())

    def unmasked_gather(logits, labels):
        return math.exp(-torch.log_softmax(logits, -1).gather(-1, labels.unsqueeze(-1)).mean().item())

    with pytest.raises(ExerciseFailed, match="forgot the exp"):
        checks.masked_perplexity(lambda logits, labels: math.log(right_perplexity(logits, labels)), FORGED)
    with pytest.raises(ExerciseFailed, match="use e, not 2"):
        checks.masked_perplexity(lambda logits, labels: 2 ** math.log(right_perplexity(logits, labels)), FORGED)
    with pytest.raises(ExerciseFailed, match="not e to a loss in bits"):
        checks.masked_perplexity(lambda logits, labels: right_perplexity(logits, labels) ** (1 / math.log(2)),
                                 FORGED)
    with pytest.raises(ExerciseFailed, match="-100 positions were counted"):
        checks.masked_perplexity(every_position, FORGED)
    with pytest.raises(ExerciseFailed, match="mean of the per-token perplexities"):
        checks.masked_perplexity(mean_of_exps, FORGED)
    with pytest.raises(ExerciseFailed, match="take a log-softmax over the vocabulary first"):
        checks.masked_perplexity(no_log_softmax, FORGED)
    with pytest.raises(ExerciseFailed, match="A label of -100 is no token id"):
        checks.masked_perplexity(unmasked_gather, FORGED)
    with pytest.raises(ExerciseFailed, match="Replace the"):
        checks.masked_perplexity(lambda logits, labels: ..., FORGED)
    with pytest.raises(ExerciseFailed, match="Return one number"):
        checks.masked_perplexity(lambda logits, labels: "low", FORGED)


def test_masked_perplexity_refuses_a_cross_entropy_call(grading):
    import torch

    def library(logits, labels):
        return math.exp(torch.nn.functional.cross_entropy(logits.flatten(0, 1), labels.flatten()).item())

    def module(logits, labels):
        return math.exp(torch.nn.CrossEntropyLoss()(logits.flatten(0, 1), labels.flatten()).item())

    def nll(logits, labels):
        return math.exp(torch.nn.functional.nll_loss(torch.log_softmax(logits, -1).flatten(0, 1),
                                                     labels.flatten()).item())

    for shortcut, name in [(library, "torch.nn.functional.cross_entropy"), (module, "torch.nn.CrossEntropyLoss"),
                           (nll, "torch.nn.functional.nll_loss")]:
        with pytest.raises(ExerciseFailed, match=re.escape(f"your function calls {name}")):
            checks.masked_perplexity(shortcut, FORGED)


def test_masked_perplexity_scores_a_batch_the_check_builds_itself(grading):
    """The check takes no logits or labels from the learner: a function right on the made-up batch only fails on
    the lesson's validation reviews, whatever the learner's settings say."""
    assert list(inspect.signature(checks.masked_perplexity).parameters) == ["perplexity_fn", "settings"]

    def made_up_only(logits, labels):
        return right_perplexity(logits, labels) if logits.shape[-1] == 30 else 1.0

    with pytest.raises(ExerciseFailed, match="On a batch of 8 of the lesson's validation reviews the perplexity is"):
        checks.masked_perplexity(made_up_only, FORGED)


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
    grades = graded_three_ways("04_masked_language_modeling", "04-24",
                               "return math.exp(-true_tokens.mean().item())",
                               "return 2 ** (-true_tokens.mean().item())")
    assert [(r.exercise, r.passed) for r in grades["one wrong"].results] == [
        ("masking_outcomes", True), ("top_k_guesses", True), ("masked_perplexity", False)]
    assert "not 2" in grades["one wrong"].results[2].message
