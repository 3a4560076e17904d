"""Checks for lesson 04, continued pretraining with masked language modeling."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from helpers.checks.core import Verdict, exercise, is_unsolved
from helpers.token_classification import IGNORED_LABEL

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


def _expected_outcomes(original: np.ndarray, inputs: np.ndarray, labels: np.ndarray, mask_id: int) -> list[str]:
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


@exercise
def masking_outcomes(outcomes_fn: Any, original_ids: Any, input_ids: Any, labels: Any, mask_token_id: int) -> Verdict:
    """A function naming, per position, what the collator did: -, [MASK], random or kept."""
    if not callable(outcomes_fn):
        return False, "masking_outcomes must be a function of (original_ids, input_ids, labels, mask_token_id)."
    synthetic = (np.array([101, 7, 8, 9, 10, 11, 102]), np.array([101, 103, 8, 55, 10, 103, 102]),
                 np.array([IGNORED_LABEL, 7, IGNORED_LABEL, 9, 10, IGNORED_LABEL, IGNORED_LABEL]), 103)
    trials = [(np.asarray(original_ids), np.asarray(input_ids), np.asarray(labels), mask_token_id), synthetic]
    for original, inputs, targets, mask_id in trials:
        answer = outcomes_fn(original, inputs, targets, mask_id)
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
                return False, (f"Position {position} (original id {int(original[position])}, input id "
                               f"{int(inputs[position])}, label {int(targets[position])}) is {want!r}, "
                               f"you said {got!r}. The label says whether a position was selected; the input "
                               "says what replaced it.")
    counts = {kind: _expected_outcomes(*trials[0]).count(kind) for kind in OUTCOMES[1:]}
    return True, f"every position named correctly; in this batch: {counts}."


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
