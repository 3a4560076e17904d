"""The course's training recipe: settings for ``TrainingArguments`` that train faster at the same scores.

A lesson writes out the settings that teach something (learning rate, batch size,
epochs, weight decay) and adds ``**helpers.training.fast_settings()``. ``course bench``
trains the same model on the same data with the book's recipe and with this one.

Measured with ``course bench`` on a 2-core CPU without GPU: all-MiniLM-L6-v2, Rotten
Tomatoes (offline copy), all 8,614 training sentences, 1 epoch, seed 42, the whole
test split:

| recipe | train examples/s | training time | F1 |
|---|---|---|---|
| the book's (batch 16, random batches) | 34.3 | 251 s | 0.7874 |
| this one | 58.5 | 147 s | 0.7876 |

Kept:
- Length-grouped batches (``train_sampling_strategy="group_by_length"``): the Trainer
  sorts the shuffled data by length within groups of about 50 batches, so a batch
  is padded far less. All of the 1.7x above comes from this. transformers groups the
  evaluation batches by length too, so ``trainer.predict`` returns rows out of the
  dataset's order: use :func:`predict_in_order` to pair predictions with the dataset.
- ``logging_nan_inf_filter=False``: the default inspects every step's loss, which
  makes a GPU wait for each step; on a CPU it costs nothing either way.
- On a GPU, 16-bit arithmetic (bf16, or fp16 where the GPU has no bf16), TF32 for
  what stays in 32 bits (Ampere and later), and padding to a multiple of 8 (see
  :func:`pad_multiple`), which tensor cores need. These are standard settings; no
  GPU was available to measure them for this course yet.

Dropped, measured on the same machine (512 sentences unless said):
- Larger evaluation batches: 64 ran at the speed of 16 (196 examples/s), 128 was
  slower (140 examples/s), because a bigger batch is padded to a longer sentence.
- Dataloader workers: 2 workers were slower (46 against 52 examples/s): on two
  cores they compete with the two threads that compute.
- Caching the tokenized data: tokenizing all 8,614 sentences takes 0.9 s, under
  1 % of an epoch.
- ``torch.compile``: left off until it can be measured on a GPU.
"""

from __future__ import annotations

import copy
from typing import Any

from helpers.environment import has_gpu


def fast_settings(gpu: bool | None = None) -> dict[str, Any]:
    """``TrainingArguments`` keyword arguments of the fast recipe for this machine (``gpu``: override the check)."""
    import torch

    gpu = has_gpu() if gpu is None else gpu
    settings: dict[str, Any] = {
        "train_sampling_strategy": "group_by_length",
        "logging_nan_inf_filter": False,
    }
    if gpu:
        bf16 = torch.cuda.is_bf16_supported()
        settings.update(bf16=bf16, fp16=not bf16, tf32=torch.cuda.get_device_capability()[0] >= 8)
    return settings


def pad_multiple(gpu: bool | None = None) -> int | None:
    """``pad_to_multiple_of`` for the data collator: 8 on a GPU (tensor-core shapes), None on a CPU."""
    return 8 if (has_gpu() if gpu is None else gpu) else None


def predict_in_order(trainer: Any, dataset: Any) -> Any:
    """``trainer.predict(dataset)`` with the rows in the dataset's order.

    With ``train_sampling_strategy="group_by_length"`` (the fast recipe) transformers
    groups the *evaluation* batches by length too, so ``trainer.predict`` returns its
    rows in another order than the dataset's. Scores computed from its predictions and
    ``label_ids`` are right, but pairing them with the dataset's rows (texts, word ids)
    is not. This predicts with a copy of the arguments that keeps the dataset's order.
    """
    from transformers import Trainer

    arguments = copy.copy(trainer.args)
    arguments.train_sampling_strategy = "random"  # evaluation then reads the rows in order
    in_order = Trainer(model=trainer.model, args=arguments, data_collator=trainer.data_collator,
                       processing_class=trainer.processing_class, compute_metrics=trainer.compute_metrics)
    return in_order.predict(dataset)


def token_classification_trainer(model_path: str, label_names: list[str], train_dataset: Any,
                                 tokenizer: Any, settings: Any) -> Any:
    """Lesson 05's token-classification training, as one call: a fresh model and its ``Trainer``.

    ``AutoModelForTokenClassification`` with one output per name in ``label_names``,
    lesson 05's arguments (weight decay 0.01, no evaluation or checkpoints during
    training, the fast recipe) and ``DataCollatorForTokenClassification``, which pads
    the labels with -100. ``settings`` is what ``helpers.setup`` returned: it gives
    ``learning_rate``, ``batch_size``, ``num_train_epochs``, ``seed`` and ``output_dir``.
    Call ``.train()`` on the result.
    """
    from transformers import (AutoModelForTokenClassification, DataCollatorForTokenClassification, Trainer,
                              TrainingArguments)

    from helpers.environment import seed_everything

    if "labels" not in train_dataset.column_names:
        raise ValueError("The training data has no 'labels' column: map it with "
                         "helpers.token_classification.tokenize_and_align first.")
    seed_everything(settings.seed)
    model = AutoModelForTokenClassification.from_pretrained(
        model_path, num_labels=len(label_names),
        id2label=dict(enumerate(label_names)), label2id={name: i for i, name in enumerate(label_names)})
    args = TrainingArguments(
        output_dir=settings.output_dir,
        learning_rate=settings.learning_rate,
        per_device_train_batch_size=settings.batch_size,
        per_device_eval_batch_size=64,
        num_train_epochs=settings.num_train_epochs,
        weight_decay=0.01,
        eval_strategy="no",
        save_strategy="no",
        report_to="none",
        seed=settings.seed,
        **fast_settings(),
    )
    collator = DataCollatorForTokenClassification(tokenizer, pad_to_multiple_of=pad_multiple())
    return Trainer(model=model, args=args, train_dataset=train_dataset, processing_class=tokenizer,
                   data_collator=collator)
