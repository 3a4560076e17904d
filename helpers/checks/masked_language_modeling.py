"""Checks for lesson 04, continued pretraining with masked language modeling."""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from helpers.checks.core import Verdict, exercise, is_unsolved
from helpers.checks.reference import lesson_settings
from helpers.checks.reference import tokenizer as course_tokenizer
from helpers.token_classification import IGNORED_LABEL

LESSON = "04_masked_language_modeling"

OUTCOMES = ("-", "[MASK]", "random", "kept")
KEYS = ("selected", "[MASK]", "random", "kept")


def _expected_counts(num_tokens: int, mlm_probability: float, mask_replace_prob: float,
                     random_replace_prob: float) -> dict[str, float]:
    selected = num_tokens * mlm_probability
    return {"selected": selected, "[MASK]": selected * mask_replace_prob,
            "random": selected * random_replace_prob,
            "kept": selected * (1 - mask_replace_prob - random_replace_prob)}


@exercise
def masking_counts(counts_fn: Any) -> Verdict:
    """A function: expected numbers of selected, [MASK]ed, randomly replaced and kept tokens."""
    if not callable(counts_fn):
        return False, "masking_counts must be a function of (num_tokens, mlm_probability, mask_replace_prob, random_replace_prob)."
    trials = [(128, 0.15, 0.8, 0.1), (1000, 0.15, 0.8, 0.1), (64, 0.3, 0.5, 0.4), (50, 0.2, 1.0, 0.0)]
    for trial in trials:
        answer = counts_fn(*trial)
        if is_unsolved(answer) or (isinstance(answer, dict) and any(v is ... for v in answer.values())):
            return False, "Replace the ... : start from the number of selected tokens, num_tokens x mlm_probability."
        if not isinstance(answer, dict) or set(answer) != set(KEYS):
            return False, f"Return a dict with the keys {list(KEYS)}; got {answer!r:.100}."
        expected = _expected_counts(*trial)
        wrong = [key for key in KEYS if not math.isclose(float(answer[key]), expected[key], rel_tol=1e-6, abs_tol=1e-9)]
        if not wrong:
            continue
        if wrong == ["kept"]:
            return False, ("The kept tokens are the selected ones neither replaced by [MASK] nor by a random token: "
                           f"for {trial} expected {expected['kept']:g}, got {answer['kept']!r}.")
        if "selected" not in wrong and math.isclose(float(answer["random"]), trial[0] * trial[3], rel_tol=1e-6):
            return False, ("The replacement probabilities apply to the *selected* tokens, not to all of them: "
                           f"for {trial} expected {expected['random']:g} random replacements.")
        return False, (f"For num_tokens, mlm_probability, mask_replace_prob, random_replace_prob = {trial}: "
                       f"expected {expected}, got {answer}.")
    return True, "masking_counts gives the expected numbers for every setting tried."


def _expected_outcomes(original: Sequence[int], inputs: Sequence[int], labels: Sequence[int],
                       mask_id: int) -> list[str]:
    outcomes = []
    for before, after, label in zip(original, inputs, labels):
        if label == IGNORED_LABEL:
            outcomes.append("-")
        elif after == mask_id:
            outcomes.append("[MASK]")
        elif after != before:
            outcomes.append("random")
        else:
            outcomes.append("kept")
    return outcomes


def _lesson_batch(settings: SimpleNamespace) -> tuple[list[tuple[list[int], list[int], list[int]]], int]:
    """(original ids, input ids, labels) of each review the lesson masks, as lists, and the mask token's id.

    The lesson's own batch, made again: its reviews (:data:`helpers.data.MASKING_REVIEWS`), its
    tokenizer and a collator seeded with its seed, which masks the same tokens every time.
    """
    from transformers import DataCollatorForLanguageModeling

    from helpers.data import MASKING_REVIEWS

    chosen = lesson_settings(LESSON, settings)
    tokenizer = course_tokenizer(chosen)
    two = tokenizer(list(MASKING_REVIEWS), padding=True, return_offsets_mapping=True, return_special_tokens_mask=True)
    examples = [{key: two[key][i] for key in two} for i in range(len(MASKING_REVIEWS))]
    batch = DataCollatorForLanguageModeling(tokenizer=tokenizer, mlm_probability=0.15, seed=chosen.seed)(examples)
    rows = [(two["input_ids"][i], batch["input_ids"][i].tolist(), batch["labels"][i].tolist())
            for i in range(len(MASKING_REVIEWS))]
    return rows, tokenizer.mask_token_id


@exercise
def masking_outcomes(outcomes_fn: Any, settings: SimpleNamespace) -> Verdict:
    """A function naming, per position, what the collator did: -, [MASK], random or kept.

    It is tried on the lesson's masked reviews, which the check masks again itself
    (``settings``: see :func:`helpers.checks.reference.lesson_settings`), then on a made-up batch.
    """
    if not callable(outcomes_fn):
        return False, "masking_outcomes must be a function of (original_ids, input_ids, labels, mask_token_id)."
    rows, mask_token_id = _lesson_batch(settings)
    synthetic = (np.array([101, 7, 8, 9, 10, 11, 102]), np.array([101, 103, 8, 55, 10, 103, 102]),
                 np.array([IGNORED_LABEL, 7, IGNORED_LABEL, 9, 10, IGNORED_LABEL, IGNORED_LABEL]), 103)
    trials = [(*row, mask_token_id, f"the lesson's review {i}") for i, row in enumerate(rows)]
    trials.append((*synthetic, "a made-up example"))
    for original, inputs, targets, mask_id, what in trials:
        # copies: it cannot change the reference
        answer = outcomes_fn(copy.copy(original), copy.copy(inputs), copy.copy(targets), mask_id)
        if is_unsolved(answer):
            return False, "Replace the ... : a position was selected when its label is not -100."
        expected = _expected_outcomes(original, inputs, targets, mask_id)
        answer = list(answer) if isinstance(answer, (list, tuple, np.ndarray)) else answer
        if not isinstance(answer, list) or len(answer) != len(expected):
            return False, f"Return one outcome per position ({len(expected)} here); got {answer!r:.100}."
        unknown = sorted({str(a) for a in answer} - set(OUTCOMES))
        if unknown:
            return False, f"Use only the outcomes {list(OUTCOMES)}; got {unknown}."
        for position, (got, want) in enumerate(zip(answer, expected)):
            if got != want:
                return False, (f"In {what}, position {position} (original id {int(original[position])}, input id "
                               f"{int(inputs[position])}, label {int(targets[position])}) is {want!r}, "
                               f"you said {got!r}. The label says whether a position was selected; the input "
                               "says what replaced it.")
    counts = {kind: _expected_outcomes(*rows[0], mask_token_id).count(kind) for kind in OUTCOMES[1:]}
    return True, f"every position named correctly; in the lesson's review 0: {counts}."


@exercise
def perplexity(perplexity_fn: Any) -> Verdict:
    """A function: the perplexity of a mean cross-entropy loss (in nats)."""
    if not callable(perplexity_fn):
        return False, "perplexity must be a function of one mean loss."
    for loss in [0.0, 1.0, 2.6, 1.96, 7.5]:
        answer = perplexity_fn(loss)
        if is_unsolved(answer):
            return False, "Replace the ... : perplexity undoes the logarithm of the cross-entropy."
        expected = math.exp(loss)
        if math.isclose(float(answer), expected, rel_tol=1e-6):
            continue
        if math.isclose(float(answer), 2 ** loss, rel_tol=1e-6):
            return False, "PyTorch's cross-entropy uses the natural logarithm: use e, not 2, as the base."
        return False, f"For a mean loss of {loss} the perplexity is {expected:.4f}; you gave {answer!r}."
    return True, (f"perplexity is e to the mean loss; a loss of 2.60 is a perplexity of {perplexity_fn(2.6):.1f}: "
                  "as unsure as a uniform choice among that many tokens.")
