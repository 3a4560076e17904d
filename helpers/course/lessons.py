"""The per-lesson table: each lesson's profile sizes and the book's figures to compare with.

A lesson is named by its notebook's file name without ``.ipynb``
(``01_supervised_classification``). Its exercises are the checks in
``helpers/checks/<name without the number>.py``, in the order they are defined,
each named like the ``exercise:<name>`` tag of its check cell.

Adding a lesson: its solution notebook in ``solutions/``, its checks module, one
``Lesson`` entry below and one test file (then ``course build``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from helpers.course.offline_models import BOOK_MODEL, MINILM, MPNET

PROFILES = ("smoke", "cpu", "full")

BOOK = "Alammar & Grootendorst, Hands-On Large Language Models (O'Reilly, 2024), ch. 11"
BOOK_REPOSITORY = "the book's repository, HandsOnLLM/Hands-On-Large-Language-Models, chapter11 notebook"


@dataclass(frozen=True)
class BookFigure:
    """A score the book published, and where a reader can check it."""

    value: float
    source: str


@dataclass(frozen=True)
class Lesson:
    """One lesson: its parameters per profile (``None`` for a sample limit: the whole split)."""

    name: str
    profiles: dict[str, dict[str, Any]]
    book: dict[str, BookFigure] = field(default_factory=dict)

    @property
    def trains(self) -> bool:
        """True for a lesson that trains models (its profiles set sizes): Colab opens it on a GPU."""
        return any(self.profiles.values())

    @property
    def checks_module(self) -> str:
        """The module of this lesson's checks: ``helpers.checks.supervised_classification``."""
        return "helpers.checks." + self.name.split("_", 1)[1]

    def exercises(self) -> list[str]:
        """The names of this lesson's exercises, in order."""
        from helpers.checks.core import exercise_names

        return exercise_names(self.checks())

    def points(self) -> dict[str, int]:
        """What each exercise is worth in the gradebook (1 unless its check says ``@exercise(points=N)``)."""
        from helpers.checks.core import exercise_points

        return exercise_points(self.checks())

    def checks(self) -> ModuleType:
        """The module holding this lesson's checks."""
        return importlib.import_module(self.checks_module)


LESSONS: dict[str, Lesson] = {lesson.name: lesson for lesson in [
    Lesson("00_course_tour", {"smoke": {}, "cpu": {}, "full": {}}),
    Lesson(
        "01_supervised_classification",
        {
            "smoke": {"model_id": MINILM, "max_train_samples": 256, "max_eval_samples": 256,
                      "num_train_epochs": 1, "learning_rate": 5e-5, "batch_size": 16},
            "cpu": {"model_id": BOOK_MODEL, "max_train_samples": 1500, "max_eval_samples": None,
                    "num_train_epochs": 2, "learning_rate": 3e-5, "batch_size": 16},
            "full": {"model_id": BOOK_MODEL, "max_train_samples": None, "max_eval_samples": None,
                     "num_train_epochs": 1, "learning_rate": 2e-5, "batch_size": 16},
        },
        book={"test_f1": BookFigure(0.849, f"{BOOK}, 'Supervised Classification' (p. 323 ff.): "
                                           f"bert-base-cased, 1 epoch on a Colab T4; 0.857 in {BOOK_REPOSITORY}")},
    ),
    Lesson(
        "02_freezing_layers",
        {
            "smoke": {"model_id": MINILM, "max_train_samples": 128, "max_eval_samples": 128,
                      "num_train_epochs": 1, "learning_rate": 5e-5, "batch_size": 16, "sweep_points": 3},
            "cpu": {"model_id": MINILM, "max_train_samples": 4000, "max_eval_samples": None,
                    "num_train_epochs": 1, "learning_rate": 5e-5, "batch_size": 16, "sweep_points": None},
            "full": {"model_id": BOOK_MODEL, "max_train_samples": None, "max_eval_samples": None,
                     "num_train_epochs": 1, "learning_rate": 2e-5, "batch_size": 16, "sweep_points": None},
        },
        book={
            "test_f1": BookFigure(0.849, f"{BOOK}, 'Supervised Classification' (p. 323 ff.): everything "
                                         "trainable, bert-base-cased, 1 epoch"),
            "test_f1_head_only": BookFigure(0.633, f"{BOOK}, 'Freezing Layers' (p. 323 ff.): only the "
                                                   "classifier trainable"),
            "sweep_f1_2_blocks": BookFigure(0.80, f"{BOOK}, 'Freezing Layers' (p. 323 ff.): blocks 0-9 of 12 "
                                                  "frozen, so the last 2 trainable"),
        },
    ),
    Lesson(
        "03_few_shot_setfit",
        {
            "smoke": {"model_id": MINILM, "examples_per_class": 8, "num_iterations": 2, "num_epochs": 1,
                      "batch_size": 16, "max_eval_samples": 200, "curve_sizes": [4, 8], "draws": 2,
                      "max_train_samples": 400, "fine_tune_epochs": 2, "learning_rate": 5e-5},
            "cpu": {"model_id": MPNET, "examples_per_class": 16, "num_iterations": 5, "num_epochs": 1,
                    "batch_size": 16, "max_eval_samples": None, "curve_sizes": [4, 16], "draws": 3,
                    "max_train_samples": None, "fine_tune_epochs": 15, "learning_rate": 5e-5},
            "full": {"model_id": MPNET, "examples_per_class": 16, "num_iterations": 20, "num_epochs": 3,
                     "batch_size": 16, "max_eval_samples": None, "curve_sizes": [4, 8, 16, 32], "draws": 3,
                     "max_train_samples": None, "fine_tune_epochs": 15, "learning_rate": 5e-5},
        },
        book={"test_f1": BookFigure(0.836, f"{BOOK}, 'Few-Shot Classification' (p. 333 ff.): all-mpnet-base-v2, "
                                           "16 sentences per class, 20 iterations, 3 epochs, 87 s on a T4 "
                                           "(its text says 0.85; its output shows 0.836)")},
    ),
    Lesson(
        "04_masked_language_modeling",
        {
            "smoke": {"model_id": MINILM, "max_train_samples": 128, "max_labelled_samples": 32, "max_eval_samples": 64,
                      "block_size": 64, "head_steps": 4, "head_learning_rate": 1e-3, "mlm_epochs": 1,
                      "mlm_learning_rate": 1e-4, "classify_learning_rate": 5e-5, "classify_seeds": 2, "batch_size": 16},
            "cpu": {"model_id": MINILM, "max_train_samples": None, "max_labelled_samples": 2000, "max_eval_samples": None,
                    "block_size": 128, "head_steps": 150, "head_learning_rate": 1e-3, "mlm_epochs": 2,
                    "mlm_learning_rate": 1e-4, "classify_learning_rate": 5e-5, "classify_seeds": 3, "batch_size": 16},
            "full": {"model_id": BOOK_MODEL, "max_train_samples": None, "max_labelled_samples": 2000,
                     "max_eval_samples": None, "block_size": 128, "head_steps": 300, "head_learning_rate": 1e-3,
                     "mlm_epochs": 10, "mlm_learning_rate": 2e-5, "classify_learning_rate": 2e-5, "classify_seeds": 3,
                     "batch_size": 16},
        },
        book={"train_loss_last": BookFigure(1.96, f"{BOOK}, 'Continued Pretraining with Masked Language Modeling' "
                                                  "(p. 340 ff.): bert-base-cased, training loss 2.60 at the first "
                                                  "log, 1.96 at the end of 10 epochs (5,340 steps, 23 min on a T4); "
                                                  "its text says 20 epochs, its code trains 10")},
    ),
    Lesson(
        "05_named_entity_recognition",
        # offline_model_id: what replaces model_id when the Hub cannot serve it. cpu trains a cased model
        # online; offline no cased model exists, and MiniLM (not bert-base-cased's stand-in, MPNet) keeps its budget.
        {
            "smoke": {"model_id": MINILM, "offline_model_id": MINILM, "max_train_samples": 600, "max_eval_samples": 200,
                      "num_train_epochs": 1, "learning_rate": 3e-4, "batch_size": 16},
            "cpu": {"model_id": "distilbert-base-cased", "offline_model_id": MINILM, "max_train_samples": None,
                    "max_eval_samples": None, "num_train_epochs": 1, "learning_rate": 1e-4, "batch_size": 16},
            "full": {"model_id": BOOK_MODEL, "offline_model_id": MPNET, "max_train_samples": None,
                     "max_eval_samples": None, "num_train_epochs": 1, "learning_rate": 2e-5, "batch_size": 16},
        },
        book={"test_f1_book_wrapping": BookFigure(0.901, f"{BOOK}, 'Named-Entity Recognition' (p. 345 ff.): bert-base-cased, "
                                           "1 epoch (878 steps, 147 s on a T4), scored with per-token wrapping "
                                           f"(see the lesson); 0.918 in {BOOK_REPOSITORY}")},
    ),
    Lesson(
        "06_part_of_speech_tagging",
        {
            "smoke": {"model_id": MINILM, "max_train_samples": 600, "max_eval_samples": 200, "num_train_epochs": 1,
                      "learning_rate": 3e-4, "batch_size": 16},
            "cpu": {"model_id": MINILM, "max_train_samples": None, "max_eval_samples": None, "num_train_epochs": 1,
                    "learning_rate": 1e-4, "batch_size": 16},
            "full": {"model_id": BOOK_MODEL, "max_train_samples": None, "max_eval_samples": None,
                     "num_train_epochs": 2, "learning_rate": 3e-5, "batch_size": 16},
        },
    ),
    Lesson(
        "07_question_answering",
        {
            "smoke": {"model_id": MINILM, "max_train_samples": 48, "max_eval_samples": 40, "num_train_epochs": 1,
                      "learning_rate": 1e-4, "batch_size": 16, "max_length": 256, "stride": 64},
            "cpu": {"model_id": MINILM, "max_train_samples": 6000, "max_eval_samples": 1000, "num_train_epochs": 1,
                    "learning_rate": 1e-4, "batch_size": 16, "max_length": 256, "stride": 64},
            # All of SQuAD (max_train_samples=None, about 88,700 windows an epoch) takes over an hour on a T4.
            "full": {"model_id": BOOK_MODEL, "max_train_samples": 16000, "max_eval_samples": None,
                     "num_train_epochs": 1, "learning_rate": 3e-5, "batch_size": 16, "max_length": 384, "stride": 128},
        },
    ),    Lesson("08_review_quiz", {"smoke": {}, "cpu": {}, "full": {}}),
]}


def lesson(name: str) -> Lesson:
    """The lesson called ``name``; a clear error listing the lessons otherwise."""
    if name not in LESSONS:
        raise ValueError(f"No lesson {name!r}; the lessons are {', '.join(LESSONS)}.")
    return LESSONS[name]
