"""Freeze parts of a transformer classifier by parameter name, never by position.

Every parameter belongs to one part: the ``embeddings``, an encoder block
(``encoder.layer.3``, ``transformer.layer.3`` -> 3), the ``pooler``, a ``shared``
encoder parameter that belongs to no block (MPNet's relative attention bias), or
the task ``head`` (everything outside ``model.base_model``). Works for BERT,
MiniLM, RoBERTa, MPNet and DistilBERT sequence and token classifiers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import torch
from transformers import PreTrainedModel

EMBEDDINGS, POOLER, SHARED, HEAD = "embeddings", "pooler", "shared", "head"
Part = int | str  # a block index, or one of the names above

BLOCK_PATTERN = re.compile(r"(?:^|\.)layers?\.(\d+)\.")


def block_index(name: str) -> int | None:
    """The encoder block a parameter name belongs to (``bert.encoder.layer.10.output.dense.bias`` -> 10)."""
    match = BLOCK_PATTERN.search(name)
    return int(match.group(1)) if match else None


def parameter_parts(model: PreTrainedModel) -> Iterator[tuple[str, torch.nn.Parameter, Part]]:
    """Yield ``(name, parameter, part)`` for every parameter of ``model``."""
    base = getattr(model, "base_model", None)
    if base is None:
        raise TypeError(f"expected a transformers model with a base model, got {type(model).__name__}")
    in_base = {id(param): name for name, param in base.named_parameters()}
    for name, param in model.named_parameters():
        inner = in_base.get(id(param))
        if inner is None:
            yield name, param, HEAD
        elif (block := block_index(inner)) is not None:
            yield name, param, block
        elif inner.startswith("embeddings."):
            yield name, param, EMBEDDINGS
        elif inner.startswith("pooler."):
            yield name, param, POOLER
        else:
            yield name, param, SHARED


def parameter_table(model: PreTrainedModel) -> dict[str, int]:
    """How many parameters each part has, in the model's order: ``{"embeddings": n, "block 0": n, ..., "head": n}``."""
    table: dict[str, int] = {}
    for _, param, part in parameter_parts(model):
        name = f"block {part}" if isinstance(part, int) else part
        table[name] = table.get(name, 0) + param.numel()
    return table


def num_blocks(model: PreTrainedModel) -> int:
    """How many encoder blocks the model has (counted from its parameter names)."""
    blocks = {part for _, _, part in parameter_parts(model) if isinstance(part, int)}
    if not blocks:
        raise ValueError(f"{type(model).__name__} has no parameters named like 'encoder.layer.N.': "
                         "cannot tell its encoder blocks apart")
    return max(blocks) + 1


def freeze_all_but_head(model: PreTrainedModel) -> None:
    """Freeze the whole base model (embeddings, blocks, pooler); train only the task head."""
    labelled = list(parameter_parts(model))
    if not any(part == HEAD for _, _, part in labelled):
        raise ValueError(f"{type(model).__name__} has no task head: load it with e.g. "
                         "AutoModelForSequenceClassification, not AutoModel")
    for _, param, part in labelled:
        param.requires_grad = part == HEAD


def freeze_blocks(model: PreTrainedModel, through: int) -> None:
    """Freeze the embeddings and encoder blocks ``0..through``; train the later blocks, pooler and head.

    Parameters shared by all blocks (MPNet's relative attention bias) are
    computed below block 0, so they are frozen with the embeddings.
    """
    count = num_blocks(model)
    if not 0 <= through < count:
        raise ValueError(f"block {through} is out of range: this model has {count} encoder blocks, "
                         f"numbered 0..{count - 1}")
    for _, param, part in parameter_parts(model):
        below = part in (EMBEDDINGS, SHARED) or (isinstance(part, int) and part <= through)
        param.requires_grad = not below


def _ranges(indices: list[int]) -> str:
    """[0, 1, 2, 5, 7, 8] -> "0-2, 5, 7-8"."""
    groups: list[list[int]] = []
    for index in indices:
        if groups and index == groups[-1][-1] + 1:
            groups[-1].append(index)
        else:
            groups.append([index])
    return ", ".join(str(g[0]) if len(g) == 1 else f"{g[0]}-{g[-1]}" for g in groups)


def trainable_summary(model: PreTrainedModel) -> dict:
    """Count trainable parameters, say which parts are fully trainable, and print one line about it."""
    trainable = total = 0
    part_trainable: dict[Part, bool] = {}
    for _, param, part in parameter_parts(model):
        total += param.numel()
        trainable += param.numel() if param.requires_grad else 0
        part_trainable[part] = part_trainable.get(part, True) and param.requires_grad
    blocks = sorted(p for p, on in part_trainable.items() if isinstance(p, int) and on)
    summary = {
        "trainable": trainable,
        "total": total,
        "share": trainable / total,
        "trainable_blocks": blocks,
        "embeddings_trainable": part_trainable.get(EMBEDDINGS, False),
        "pooler_trainable": part_trainable.get(POOLER, False),
        "head_trainable": part_trainable.get(HEAD, False),
    }
    described = [EMBEDDINGS] if summary["embeddings_trainable"] else []
    if blocks:
        described.append(f"block{'s' if len(blocks) > 1 else ''} {_ranges(blocks)}")
    described += [name for name in (POOLER, HEAD) if summary[f"{name}_trainable"]]
    share = f"{summary['share']:.1%}" if summary["share"] >= 0.001 or not trainable else f"{summary['share']:.3%}"
    print(f"trainable: {trainable:,} / {total:,} parameters ({share}) — "
          + (", ".join(described) or "nothing"))
    return summary
