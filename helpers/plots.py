"""Figures the lessons show."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def plot_confusion_matrix(y_true: Sequence[int], y_pred: Sequence[int],
                          label_names: Sequence[str], title: str = "Confusion matrix") -> Figure:
    """Counts of true (rows) against predicted (columns) labels, with each cell annotated."""
    from sklearn.metrics import confusion_matrix

    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} true labels but {len(y_pred)} predictions; they must pair up.")
    counts = confusion_matrix(y_true, y_pred, labels=list(range(len(label_names))))
    fig, ax = plt.subplots(figsize=(4.2, 3.6))
    ax.imshow(counts, cmap="Blues")
    ax.set_xticks(range(len(label_names)), labels=label_names)
    ax.set_yticks(range(len(label_names)), labels=label_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    threshold = counts.max() / 2
    for (row, col), value in np.ndenumerate(counts):
        ax.text(col, row, str(value), ha="center", va="center",
                color="white" if value > threshold else "black")
    fig.tight_layout()
    return fig


def plot_sweep(points: dict[int, tuple[float, float]], reference_f1: float, marked: int | None = None,
               title: str = "Freezing sweep") -> Figure:
    """F1 (left axis) and training time (right axis) against the number of trainable encoder blocks.

    ``points`` maps trainable blocks to ``(f1, training seconds)``; ``reference_f1`` (the full
    fine-tune) is drawn as a dashed line; ``marked``, if given, gets a vertical line.
    """
    if not points:
        raise ValueError("No sweep points to plot: run at least one training first.")
    blocks = sorted(points)
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.plot(blocks, [points[k][0] for k in blocks], "o-", color="tab:blue", label="F1 (test)")
    ax.axhline(reference_f1, color="tab:blue", linestyle="--", linewidth=1,
               label=f"full fine-tune, F1 {reference_f1:.3f}")
    if marked is not None:
        ax.axvline(marked, color="tab:red", linewidth=1, label=f"levels off at {marked} block(s)")
    ax.set_xlabel("trainable encoder blocks (the last ones; the head always trains)")
    ax.set_ylabel("F1 on the test split")
    ax.set_xticks(blocks)
    seconds = ax.twinx()
    seconds.plot(blocks, [points[k][1] for k in blocks], "s:", color="tab:gray", label="training time")
    seconds.set_ylabel("training time (s)")
    seconds.set_ylim(bottom=0)
    handles = ax.get_legend_handles_labels()[0] + seconds.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="lower right", fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig
