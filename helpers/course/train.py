"""One training run of Rotten Tomatoes classification with a named recipe, timed: what ``course bench`` runs.

``python -m helpers.course.train --recipe fast --examples 2000 --out result.json``
runs as one process, or unchanged under ``torchrun --nproc_per_node=2`` (the
Trainer's own DistributedDataParallel; gloo on a CPU), where only the first
process writes the result.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

BOOK_MODEL_SHAPE = "bert-base-shape"  # a random-init model of bert-base-cased's shape: timing only

BOOK_RECIPE: dict[str, Any] = {  # the book's TrainingArguments, apart from the learning rate and epochs
    "per_device_train_batch_size": 16,
    "per_device_eval_batch_size": 16,
    "weight_decay": 0.01,
}


RECIPES = ("book", "fast-fp32", "fast", "fast-compile")


def recipe_settings(recipe: str, gpu: bool) -> dict[str, Any]:
    """``TrainingArguments`` keyword arguments of ``recipe``, one of :data:`RECIPES`.

    "fast" is the lessons' recipe: on a CPU it trains in bf16 where the CPU computes it
    natively; "fast-fp32" is the same in fp32 on a CPU; "fast-compile" adds ``torch.compile``.
    """
    from helpers.training import fast_settings

    if recipe not in RECIPES:
        raise ValueError(f"Unknown recipe {recipe!r}: use one of {', '.join(RECIPES)}.")
    if recipe == "book":
        return dict(BOOK_RECIPE)
    fast = {**BOOK_RECIPE, **fast_settings(gpu, cpu_bf16=False if recipe == "fast-fp32" else None)}
    return {**fast, "torch_compile": True} if recipe == "fast-compile" else fast


def peak_memory_mb(gpu: bool) -> float:
    """The most memory this process held: GPU memory on a GPU, resident memory on a CPU."""
    import torch

    if gpu:
        return torch.cuda.max_memory_allocated() / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def load_model(model_id: str, labels: list[str]) -> tuple[Any, Any, str]:
    """Tokenizer, classifier and a description; ``bert-base-shape`` gives a random-init BERT of bert-base size."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, BertConfig

    from helpers.course.offline_models import MINILM
    from helpers.models import resolve_model

    mapping = {"num_labels": len(labels), "id2label": dict(enumerate(labels)),
               "label2id": {name: i for i, name in enumerate(labels)}}
    if model_id == BOOK_MODEL_SHAPE:
        tokenizer = AutoTokenizer.from_pretrained(resolve_model(MINILM))  # the same 30,522-piece vocabulary
        model = AutoModelForSequenceClassification.from_config(BertConfig(**mapping))
        return tokenizer, model, "random-init BERT of bert-base-cased's shape (timing only: its F1 means nothing)"
    path = resolve_model(model_id)
    return (AutoTokenizer.from_pretrained(path),
            AutoModelForSequenceClassification.from_pretrained(path, **mapping), model_id)


def run(recipe: str, model_id: str, examples: int | None, eval_examples: int | None, epochs: float,
        device: str, seed: int, learning_rate: float, output_dir: str) -> dict[str, Any]:
    """Train and evaluate once; the measurements as a dict."""
    import torch
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

    from helpers import data
    from helpers.classification import classification_metrics
    from helpers.environment import has_gpu, quiet_libraries, seed_everything
    from helpers.training import pad_multiple

    gpu = device == "cuda" or (device == "auto" and has_gpu())
    if gpu and not has_gpu():
        raise RuntimeError("--device cuda, but torch sees no GPU here.")
    quiet_libraries()
    seed_everything(seed)
    reviews = data.load_rotten_tomatoes()
    labels = reviews["train"].features["label"].names
    train = data.subset(reviews["train"], examples, seed=seed)
    test = data.subset(reviews["test"], eval_examples, seed=seed)
    tokenizer, model, described = load_model(model_id, labels)
    started = time.perf_counter()
    train_tokens, test_tokens = (split.map(lambda batch: tokenizer(batch["text"], truncation=True),
                                           batched=True, remove_columns=["text"]) for split in (train, test))
    tokenize_s = time.perf_counter() - started
    args = TrainingArguments(
        output_dir=output_dir, learning_rate=learning_rate, num_train_epochs=epochs, seed=seed,
        eval_strategy="no", save_strategy="no", report_to="none", logging_steps=50, disable_tqdm=True,
        **{"use_cpu": not gpu, **recipe_settings(recipe, gpu)},
    )
    multiple = pad_multiple(gpu) if recipe == "fast" else None
    trainer = Trainer(model=model, args=args, train_dataset=train_tokens, processing_class=tokenizer,
                      data_collator=DataCollatorWithPadding(tokenizer, pad_to_multiple_of=multiple),
                      compute_metrics=classification_metrics(labels))
    if gpu:
        torch.cuda.reset_peak_memory_stats()
    trained = trainer.train()
    predicted = trainer.predict(test_tokens)
    return {
        "recipe": recipe,
        "model": described,
        "device": torch.cuda.get_device_name(0) if gpu else f"cpu ({torch.get_num_threads()} threads)",
        "processes": args.world_size,
        "precision": "bf16" if args.bf16 else "fp16" if args.fp16 else "fp32",
        "torch_compile": args.torch_compile,
        "examples": len(train),
        "eval_examples": len(test),
        "epochs": epochs,
        "tokenize_s": round(tokenize_s, 2),
        "train_s": round(trained.metrics["train_runtime"], 2),
        "train_examples_per_s": round(len(train) * epochs / trained.metrics["train_runtime"], 2),
        "eval_s": round(predicted.metrics["test_runtime"], 2),
        "eval_examples_per_s": round(len(test) / predicted.metrics["test_runtime"], 2),
        "peak_mem_mb": round(peak_memory_mb(gpu), 1),
        "f1": round(predicted.metrics["test_f1"], 4),
        "is_writer": trainer.is_world_process_zero(),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: one run, its result written as JSON by the first process."""
    parser = argparse.ArgumentParser(prog="python -m helpers.course.train", description=__doc__)
    parser.add_argument("--recipe", choices=RECIPES, required=True)
    parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2",
                        help=f"a Hub id with an offline stand-in, a folder, or {BOOK_MODEL_SHAPE}")
    parser.add_argument("--examples", type=int, default=None, help="training examples (default: all)")
    parser.add_argument("--eval-examples", type=int, default=None, help="test examples (default: all)")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--learning-rate", type=float, default=2e-5)
    parser.add_argument("--out", type=Path, required=True, help="where the first process writes the result")
    args = parser.parse_args(argv)
    result = run(args.recipe, args.model, args.examples, args.eval_examples, args.epochs, args.device,
                 args.seed, args.learning_rate, str(args.out.parent / f"trainer-{args.recipe}"))
    if result.pop("is_writer"):
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({**result, "rank": int(os.environ.get("RANK", 0))}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
