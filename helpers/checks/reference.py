"""What a check compares the learner's work with: the course's own data, which the check loads itself.

A check never takes ground truth (labels, gold tags and answers, texts, label names) from
the learner's variables: a submission can set those to anything. It loads the course's data
with the helpers the lesson calls and picks the same rows with the lesson's settings
(:func:`lesson_settings`). Loaders print where the data or model came from; a check does
not repeat those lines (:func:`quietly`).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TypeVar

from helpers.checks.core import grading_mode

if TYPE_CHECKING:
    from datasets import DatasetDict
    from transformers import PreTrainedTokenizerBase

T = TypeVar("T")


def quietly(load: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``load(*args, **kwargs)`` without what it prints."""
    with contextlib.redirect_stdout(io.StringIO()):
        return load(*args, **kwargs)


def lesson_settings(lesson: str, settings: SimpleNamespace) -> SimpleNamespace:
    """The settings that chose the lesson's data: ``settings`` (what its ``setup()`` returned) outside grading only.

    Under ``course grade`` the learner's ``settings`` are ignored: the grader restores the
    shipped parameters cell (``profile="auto"``, ``seed=42``, every other parameter None) and
    puts its profile back in ``$COURSE_PROFILE`` before every cell, so the lesson's settings are
    what ``setup()`` resolves from those, which this resolves again. Outside grading a learner
    may run any profile or parameter, and nobody grades: their ``settings`` are used.
    """
    if not grading_mode():
        return settings
    from helpers.course.profiles import resolve

    return quietly(resolve, lesson)


def dataset(name: str) -> DatasetDict:
    """A course dataset, loaded as the lessons load it (:func:`helpers.data.load`)."""
    from helpers import data

    return quietly(data.load, name)


def model_path(settings: SimpleNamespace) -> str:
    """What ``from_pretrained`` loads for the lesson's model (:func:`helpers.models.resolve_model`)."""
    from helpers.models import resolve_model

    return quietly(resolve_model, settings.model_id)


def tokenizer(settings: SimpleNamespace) -> PreTrainedTokenizerBase:
    """The tokenizer of the lesson's model."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(model_path(settings))


def conll_test_tags(settings: SimpleNamespace, label_column: str) -> list[list[str]]:
    """The true ``label_column`` tags of the lesson's CoNLL-2003 test sentences, as lessons 05 and 06 score them.

    Their test subset, tokenized with their tokenizer; the first piece of each word carries its
    tag (:func:`helpers.token_classification.tokenize_and_align`, ``continuation="ignore"``).
    ``settings`` are the lesson's, from :func:`lesson_settings`.
    """
    from helpers.data import subset
    from helpers.token_classification import labelled_tags, tokenize_and_align

    test = dataset("conll2003")["test"]
    names = test.features[label_column].feature.names
    align = tokenize_and_align(tokenizer(settings), names, label_column=label_column, continuation="ignore")
    chosen = subset(test, settings.max_eval_samples, seed=settings.seed)
    return labelled_tags(chosen.map(align, batched=True, remove_columns=chosen.column_names)["labels"], names)


def count_mismatch(what: str, count: int, expected: int, rows: str, settings: SimpleNamespace) -> str:
    """The hint when the learner's ``what`` has ``count`` entries where the lesson has ``expected`` ``rows``."""
    return (f"{what} has {count} entries, but the lesson has {expected} {rows} (profile {settings.profile!r}, "
            f"seed {settings.seed}): run the lesson from the top with its own settings.")


def tag_lists_problem(what: str, pred_tags: Any, true_tags: list[list[str]], settings: SimpleNamespace) -> str | None:
    """What keeps the learner's ``what`` (``pred_tags``) from pairing word by word with the lesson's true tags."""
    if not isinstance(pred_tags, (list, tuple)) or not all(isinstance(tags, (list, tuple)) for tags in pred_tags):
        return f"{what} must be one list of tags per test sentence; got {pred_tags!r:.80}."
    if len(pred_tags) != len(true_tags):
        return count_mismatch(what, len(pred_tags), len(true_tags), "test sentences", settings)
    for index, (truth, prediction) in enumerate(zip(true_tags, pred_tags)):
        if len(truth) != len(prediction):
            return (f"Test sentence {index} has {len(truth)} words but {what} has {len(prediction)} tags for it: "
                    "give one tag per word, as tags_from_logits returns them.")
    return None
