"""The course's training recipe: settings for ``TrainingArguments`` that train faster at the same scores.

A lesson writes out the settings that teach something (learning rate, batch size,
epochs, weight decay) and adds ``**helpers.training.fast_settings()``. ``course bench``
trains the same model on the same data with the book's recipe and with this one.

Measured with ``course bench`` on a 2-core AMD EPYC CPU (AVX512-BF16) without GPU,
2026-12-03: all-MiniLM-L6-v2, Rotten Tomatoes (offline copy), all 8,614 training
sentences, 1 epoch, seed 42, the whole test split:

| recipe | train examples/s | training time | eval examples/s | peak memory | F1 |
|---|---|---|---|---|---|
| the book's (batch 16, random batches, fp32) | 32.6 | 264 s | 108 | 1,339 MB | 0.7874 |
| this one in fp32 (a CPU without native bf16) | 54.6 | 158 s | 177 | 1,335 MB | 0.7876 |
| this one, bf16 autocast (this CPU) | 74.0 | 116 s | 246 | 1,580 MB | 0.7869 |

Kept:
- Length-grouped batches (``train_sampling_strategy="group_by_length"``): the Trainer
  sorts the shuffled data by length within groups of about 50 batches, so a batch
  is padded far less. The fp32 row's 1.67x comes from this. transformers groups the
  evaluation batches by length too, so ``trainer.predict`` returns rows out of the
  dataset's order: use :func:`predict_in_order` to pair predictions with the dataset.
- bf16 autocast on a CPU that computes it natively (:func:`cpu_computes_bf16`): 1.36x
  more on top, 2.27x the book's recipe in all, at F1 within 0.0007, for 18 % more memory.
- SetFit (lesson 03): setfit builds its own ``TrainingArguments`` and passes on only
  ``use_amp`` (fp16), so :func:`cpu_bf16_autocast` gives it bf16. Measured 2026-12-05,
  all-mpnet-base-v2, 16 sentences per class, 5 iterations, 1 epoch, the whole test split:
  training the encoder in bf16 took 66.3 s instead of 116.6 s (seed 42) and 58.2 s instead
  of 113.6 s (seed 7), but F1 fell 0.8071 -> 0.7936 and 0.8276 -> 0.8143, by 0.013 both
  times: the encoder stays in fp32 for training. Embedding the test sentences in bf16
  took 21.8 s instead of 39.3 s and changed F1 by 0.0011 and 0.0000: kept for evaluation.
- ``logging_nan_inf_filter=False``: the default inspects every step's loss, which
  makes a GPU wait for each step; on a CPU it costs nothing either way.
- On a GPU, 16-bit arithmetic, TF32 for what stays in 32 bits, and padding to a
  multiple of 8 (see :func:`pad_multiple`), which tensor cores need. Which 16 bits
  depends on the GPU (:func:`gpu_precision`): a T4 (compute capability 7.5, Colab's
  usual GPU) gets fp16, which its tensor cores compute, and no TF32, which it lacks;
  an A100 (8.0), an H100 (9.0) or later get bf16 and TF32. torch's
  ``is_bf16_supported()`` answers True on a T4 too, because it counts bf16 that is
  only emulated, and slowly. These are standard settings; no GPU was available to
  measure them for this course yet.

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

import contextlib
import copy
import os
from typing import Any

from helpers.course.config import CPU_BF16_ENV
from helpers.environment import has_gpu


def fast_settings(gpu: bool | None = None, cpu_bf16: bool | None = None) -> dict[str, Any]:
    """``TrainingArguments`` keyword arguments of the fast recipe for this machine.

    ``gpu`` and ``cpu_bf16`` override the checks (:func:`has_gpu`, :func:`cpu_computes_bf16`).
    """
    import torch

    gpu = has_gpu() if gpu is None else gpu
    settings: dict[str, Any] = {
        "train_sampling_strategy": "group_by_length",
        "logging_nan_inf_filter": False,
    }
    if gpu:
        settings.update(gpu_precision(torch.cuda.get_device_capability()))
    elif cpu_computes_bf16() if cpu_bf16 is None else cpu_bf16:
        # use_cpu: without it, TrainingArguments refuses bf16 on a machine without a GPU.
        settings.update({"bf16": True, "use_cpu": True})
    return settings


def cpu_computes_bf16() -> bool:
    """True when this CPU computes bfloat16 natively and ``COURSE_CPU_BF16`` is not ``0``.

    Native means AVX512-BF16 or AMX on x86 (Intel Xeon from Cooper Lake and Sapphire
    Rapids on, AMD Zen 4 and later), as torch's oneDNN reports it. Other CPUs only
    emulate bf16, slower than fp32, and a Mac's GPU (MPS) keeps its own device.
    """
    import torch

    if os.environ.get(CPU_BF16_ENV, "1") == "0" or torch.backends.mps.is_available():
        return False
    return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())


def cpu_bf16_autocast() -> contextlib.AbstractContextManager:
    """A context that computes in bf16 on a CPU that does so natively (``torch.autocast``); elsewhere it does nothing.

    For code that takes no ``TrainingArguments`` of ours: lesson 03 predicts with SetFit inside
    it (setfit passes on only ``use_amp``, which means fp16; its training stays in fp32, see
    above). The same test as :func:`fast_settings` decides, so ``COURSE_CPU_BF16=0`` switches
    this off too; on a GPU it does nothing.
    """
    import torch

    if has_gpu() or not cpu_computes_bf16():
        return contextlib.nullcontext()
    return torch.autocast("cpu", dtype=torch.bfloat16)


def gpu_precision(capability: tuple[int, int]) -> dict[str, bool]:
    """``bf16``, ``fp16`` and ``tf32`` for a GPU of this compute capability.

    Ampere (8.0) and later compute bf16 and TF32 in hardware: bf16 and TF32. Older
    GPUs such as the T4 (7.5) compute fp16 in their tensor cores but bf16 only by
    emulation, and have no TF32: fp16, no TF32.
    """
    native = capability[0] >= 8
    return {"bf16": native, "fp16": not native, "tf32": native}


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
    arguments.eval_strategy = "no"  # it only predicts: no evaluation schedule, no validation set needed
    arguments.load_best_model_at_end = False
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


SETTINGS_FILE = "course-settings.json"  # beside the checkpoints: the settings they were trained with


def _settings_text(settings: Any) -> str:
    """``settings`` (what ``helpers.setup`` returned) as JSON text, to tell whether a saved run had the same."""
    import json

    return json.dumps(vars(settings), sort_keys=True, default=str)


def checkpoint_settings() -> dict[str, Any]:
    """``TrainingArguments`` keyword arguments that save one checkpoint per epoch, keeping the last."""
    return {"save_strategy": "epoch", "save_total_limit": 1}


def train_resuming(trainer: Any, settings: Any) -> Any:
    """``trainer.train()``, resumed from the last checkpoint in its ``output_dir`` if one was saved
    with the same ``settings`` (what ``helpers.setup`` returned); says which, and how many steps it skips.

    Checkpoints made with other settings are deleted first (they would not fit this run), and
    training starts over. Use with :func:`checkpoint_settings` in the arguments. Returns what
    ``trainer.train`` returns.
    """
    import shutil
    from pathlib import Path

    from transformers.trainer_callback import TrainerState
    from transformers.trainer_utils import get_last_checkpoint

    folder = Path(trainer.args.output_dir)
    wanted = _settings_text(settings)
    saved = folder / SETTINGS_FILE
    last = get_last_checkpoint(folder) if folder.is_dir() else None
    if last is not None and (not saved.exists() or saved.read_text() != wanted):
        print(f"The checkpoints in {folder} were made with other settings: training starts over.")
        for old in folder.glob("checkpoint-*"):
            shutil.rmtree(old)
        last = None
    folder.mkdir(parents=True, exist_ok=True)
    saved.write_text(wanted)
    if last is None:
        return trainer.train()
    state = TrainerState.load_from_json(str(Path(last) / "trainer_state.json"))
    print(f"Resuming from {last}: {state.global_step} of {state.max_steps} training steps are done "
          "and skipped (delete that folder to train from the start).")
    return trainer.train(resume_from_checkpoint=last)


class FinishedTrainings(dict):
    """Results of a lesson's finished trainings (key -> tuple of numbers or lists), kept in the run folder.

    Each result is written to ``<output_dir>/<name>.json`` as soon as it is set, so that a
    lesson stopped halfway (a Colab session that ended) reads back what it finished when it
    runs again with the same ``settings``, and says so; with other settings it starts empty.
    """

    def __init__(self, settings: Any, name: str) -> None:
        import json
        from pathlib import Path

        super().__init__()
        self.path = Path(settings.output_dir) / f"{name}.json"
        self.settings = _settings_text(settings)
        saved = json.loads(self.path.read_text()) if self.path.exists() else {}
        if saved.get("settings") == self.settings:
            super().update({json.loads(key): tuple(value) for key, value in saved["results"].items()})
            print(f"Read {len(self)} training(s) finished earlier with these settings from {self.path}: "
                  f"{', '.join(map(str, self))} (delete that file to train them again).")

    def __setitem__(self, key: Any, value: tuple) -> None:
        import json

        super().__setitem__(key, tuple(value))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        results = {json.dumps(k): list(v) for k, v in self.items()}
        self.path.write_text(json.dumps({"settings": self.settings, "results": results}, indent=1))
