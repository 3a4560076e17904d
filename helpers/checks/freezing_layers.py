"""Checks for lesson 02, freezing layers."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from helpers.checks.core import Verdict, exercise, is_unsolved
from helpers.checks.reference import dataset, lesson_settings, model_path

if TYPE_CHECKING:
    from transformers import PreTrainedModel

LESSON = "02_freezing_layers"
# A made-up parameter table for checking that a function reads the table it is given.
OTHER_TABLE = {"embeddings": 1000, "block 0": 300, "block 1": 300, "block 2": 300, "pooler": 50, "head": 50}


def _lesson_model(settings: SimpleNamespace) -> PreTrainedModel:
    """The lesson's classifier, freshly loaded: its pretrained model with a head for the dataset's classes.

    The head's random initialisation leaves the lesson's random number generator as it was.
    """
    import torch
    from transformers import AutoModelForSequenceClassification

    names = dataset("rotten_tomatoes")["train"].features["label"].names
    with torch.random.fork_rng():
        return AutoModelForSequenceClassification.from_pretrained(
            model_path(lesson_settings(LESSON, settings)), num_labels=len(names))


@exercise
def trainable_share(share_fn: Any, settings: SimpleNamespace) -> Verdict:
    """A function that computes, from a parameter table, the share of parameters in the trainable parts.

    The table is that of the lesson's model, which the check loads itself (``settings``: see
    :func:`helpers.checks.reference.lesson_settings`).
    """
    from helpers.freezing import parameter_table

    if not callable(share_fn):
        return False, "trainable_share must be a function of (table, trainable_parts)."
    table = parameter_table(_lesson_model(settings))
    trials = [(table, ["head"]), (table, [part for part in table if part != "embeddings"]),
              (OTHER_TABLE, ["block 2", "pooler", "head"]), (OTHER_TABLE, list(OTHER_TABLE))]
    for counts, parts in trials:
        answer = share_fn(dict(counts), list(parts))  # copies: it cannot change the reference
        if is_unsolved(answer):
            return False, "Replace the ... : sum the counts of the trainable parts, divide by the total."
        if not isinstance(answer, (int, float)):
            return False, f"trainable_share returned {answer!r}; return a number between 0 and 1."
        expected = sum(counts[part] for part in parts) / sum(counts.values())
        if math.isclose(answer, expected, rel_tol=1e-6, abs_tol=1e-12):
            continue
        if expected > 0 and math.isclose(answer, 100 * expected, rel_tol=1e-6):
            return False, "That looks like a percentage: return a share between 0 and 1."
        if math.isclose(answer, 1 - expected, rel_tol=1e-6, abs_tol=1e-12):
            return False, f"For trainable parts {parts} you gave the frozen share; give the trainable one."
        return False, (f"For trainable parts {parts} of a table with {sum(counts.values()):,} parameters "
                       f"you gave {answer:.6f}, expected {expected:.6f}. Use the table you are given.")
    return True, "trainable_share gives the right share for every table and choice of parts tried."


@exercise
def freeze_embeddings(freeze_fn: Any, settings: SimpleNamespace) -> Verdict:
    """A function that freezes exactly the embedding parameters of a model.

    It is tried on a fresh copy of the lesson's model, which the check loads itself.
    """
    from helpers.freezing import EMBEDDINGS, parameter_parts

    if not callable(freeze_fn):
        return False, "freeze_embeddings must be a function that takes a model."
    model = _lesson_model(settings)
    freeze_fn(model)
    parts = list(parameter_parts(model))
    embeddings = [name for name, _, part in parts if part == EMBEDDINGS]
    still_trainable = [name for name, param, part in parts if part == EMBEDDINGS and param.requires_grad]
    wrong_frozen = [name for name, param, part in parts if part != EMBEDDINGS and not param.requires_grad]
    if len(still_trainable) == len(embeddings):
        return False, "No embedding parameter is frozen: set requires_grad = False on each of them."
    if still_trainable:
        return False, f"{still_trainable[0]} is an embedding parameter but still trainable."
    if wrong_frozen:
        return False, f"{wrong_frozen[0]} is frozen but is not an embedding parameter: freeze the embeddings only."
    return True, "only the embeddings are frozen."


@exercise
def fewest_blocks(fewest_fn: Any, sweep: dict[int, float], reference: float) -> Verdict:
    """A function: the fewest trainable blocks whose F1 reaches 98 % of a reference F1 (None if none does).

    ``sweep`` and ``reference`` are the F1 scores of the learner's own trainings, which a check
    cannot repeat in its time; the fixed sweeps tried after them hold the function to the rule.
    """
    if not callable(fewest_fn):
        return False, "fewest_blocks must be a function of (sweep, reference)."
    trials = [(sweep, reference), ({0: 0.5, 1: 0.79, 2: 0.83, 3: 0.82, 4: 0.84}, 0.84),
              ({3: 0.9, 1: 0.89, 0: 0.5}, 0.9), ({0: 0.5, 1: 0.6}, 0.9)]
    for points, target in trials:
        reached = sorted(k for k, f1 in points.items() if f1 >= 0.98 * target)
        expected = reached[0] if reached else None
        answer = fewest_fn(points, target)
        if answer is ...:
            return False, "Replace the ... : look for the smallest number of blocks whose F1 is high enough."
        if answer != expected:
            return False, (f"For the sweep {points} and reference F1 {target} you gave {answer!r}, expected "
                           f"{expected!r}: the smallest block count with F1 >= 0.98 x reference "
                           "(None when no point reaches it).")
    return True, f"fewest_blocks finds the level-off point; in this run: {fewest_fn(sweep, reference)} block(s)."
