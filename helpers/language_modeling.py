"""Preparing text for masked language modeling.

Masked-LM training usually packs the tokenized texts into blocks of equal length:
no padding is wasted, and the whole-word collator (which needs every example of
a batch to have the same length) can be used.
"""

from __future__ import annotations

from typing import Any


def group_into_blocks(batch: dict[str, list[list[Any]]], block_size: int) -> dict[str, list[list[Any]]]:
    """Concatenate a batch of tokenized texts and cut it into blocks of ``block_size`` tokens.

    For ``Dataset.map(..., batched=True)`` with the text columns removed: every column
    (``input_ids``, ``attention_mask``, ``offset_mapping``, ...) is concatenated and cut
    alike; the tokens left over at the end of the batch (fewer than a block) are dropped.
    """
    if not isinstance(block_size, int) or block_size < 2:
        raise ValueError(f"block_size must be an integer of at least 2 tokens, got {block_size!r}.")
    if "input_ids" not in batch:
        raise ValueError(f"Expected tokenized texts with an 'input_ids' column, got columns {sorted(batch)}. "
                         "Tokenize first, and remove the text columns in the same map call.")
    lengths = [len(ids) for ids in batch["input_ids"]]
    for name, column in batch.items():
        if [len(row) if isinstance(row, (list, tuple)) else None for row in column] != lengths:
            raise ValueError(f"Column {name!r} does not have one entry per token; remove the columns that are "
                             "not token-level (text, label) before grouping.")
    total = sum(lengths) // block_size * block_size
    blocks = {}
    for name, column in batch.items():
        flat = [item for row in column for item in row]
        blocks[name] = [flat[start:start + block_size] for start in range(0, total, block_size)]
    return blocks
