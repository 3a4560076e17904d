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
