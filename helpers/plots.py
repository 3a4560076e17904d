"""Figures the lessons show."""

from __future__ import annotations

import html
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML
from matplotlib.figure import Figure


def plot_confusion_matrix(y_true: Sequence[int], y_pred: Sequence[int],
                          label_names: Sequence[str], title: str = "Confusion matrix") -> Figure:
    """Counts of true (rows) against predicted (columns) labels, with each cell annotated."""
    from sklearn.metrics import confusion_matrix

    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} true labels but {len(y_pred)} predictions; they must pair up.")
    counts = confusion_matrix(y_true, y_pred, labels=list(range(len(label_names))))
    side = max(3.6, 0.55 * len(label_names) + 1.2)
    fig, ax = plt.subplots(figsize=(side + 0.6, side))
    ax.imshow(counts, cmap="Blues")
    ax.set_xticks(range(len(label_names)), labels=label_names, rotation=90 if len(label_names) > 4 else 0)
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


def _f1_and_time(points: dict[int, tuple[float, float]], reference: float, reference_label: str,
                 xlabel: str, title: str, split: str) -> tuple[Figure, plt.Axes, plt.Axes]:
    """F1 on ``split`` (left axis, with a dashed reference line) and training time (right axis) against ``points``' keys."""
    if not points:
        raise ValueError("No points to plot: run at least one training first.")
    xs = sorted(points)
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.plot(xs, [points[x][0] for x in xs], "o-", color="tab:blue", label=f"F1 ({split})")
    ax.axhline(reference, color="tab:blue", linestyle="--", linewidth=1, label=reference_label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"F1 on the {split} split")
    seconds = ax.twinx()
    seconds.plot(xs, [points[x][1] for x in xs], "s:", color="tab:gray", label="training time")
    seconds.set_ylabel("training time (s)")
    seconds.set_ylim(bottom=0)
    ax.set_title(title)
    return fig, ax, seconds


def _legend_and_ticks(fig: Figure, ax: plt.Axes, seconds: plt.Axes, ticks: list[int]) -> Figure:
    ax.set_xticks(ticks, labels=[str(t) for t in ticks])
    handles = ax.get_legend_handles_labels()[0] + seconds.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def plot_sweep(points: dict[int, tuple[float, float]], reference_f1: float, marked: int | None = None,
               title: str = "Freezing sweep", split: str = "validation") -> Figure:
    """F1 on ``split`` (left axis) and training time (right axis) against the number of trainable encoder blocks.

    ``points`` maps trainable blocks to ``(f1, training seconds)``; ``reference_f1`` (the full
    fine-tune) is drawn as a dashed line; ``marked``, if given, gets a vertical line.
    """
    fig, ax, seconds = _f1_and_time(points, reference_f1, f"full fine-tune, F1 {reference_f1:.3f}",
                                    "trainable encoder blocks (the last ones; the head always trains)", title,
                                    split)
    if marked is not None:
        ax.axvline(marked, color="tab:red", linewidth=1, label=f"levels off at {marked} block(s)")
    return _legend_and_ticks(fig, ax, seconds, sorted(points))


def plot_few_shot_curve(curves: dict[str, dict[int, Sequence[float]]], references: dict[str, float],
                        seconds: dict[int, float] | None = None, title: str = "Few-shot learning curve",
                        split: str = "validation") -> Figure:
    """F1 on ``split`` against labelled examples per class (log scale), one line per method.

    ``curves`` maps a method's name to ``{examples per class: [F1 of each sample draw]}``;
    each point is the mean over the draws, its error bar ± one standard deviation (none
    for a single draw). ``references`` are horizontal lines (``name: F1``); ``seconds``,
    if given, is a training time per size, drawn on the right axis.
    """
    if not any(curves.values()):
        raise ValueError("No points to plot: run at least one training first.")
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    sizes = sorted({size for points in curves.values() for size in points})
    handles = []
    for i, ((name, points), color) in enumerate(zip(curves.items(), ["tab:blue", "tab:orange", "tab:green"])):
        xs = sorted(points)
        means = [float(np.mean(points[x])) for x in xs]
        sds = [float(np.std(points[x], ddof=1)) if len(points[x]) > 1 else 0.0 for x in xs]
        shift = 2 ** (0.04 * (i - (len(curves) - 1) / 2))  # side by side, so that error bars do not hide each other
        handles.append(ax.errorbar([x * shift for x in xs], means, yerr=sds, fmt="o-", color=color, capsize=4,
                                   label=f"{name} (mean ± sd)"))
    for (name, value), style in zip(references.items(), ["--", ":", "-."]):
        handles.append(ax.axhline(value, color="tab:gray", linestyle=style, linewidth=1, label=f"{name}: {value:.3f}"))
    ax.set_xscale("log", base=2)
    ax.minorticks_off()
    ax.set_xlabel("labelled examples per class (log scale)")
    ax.set_ylabel(f"F1 on the {split} split")
    ax.set_title(title)
    ax.set_xticks(sizes, labels=[str(size) for size in sizes])
    low, high = ax.get_ylim()
    ax.set_ylim(min([low, *references.values()]) - 0.01, max([high, *references.values()]) + 0.01)
    if seconds:
        right = ax.twinx()
        right.plot(sorted(seconds), [seconds[x] for x in sorted(seconds)], "s:", color="tab:red", alpha=0.6,
                   label="training time")
        right.set_ylabel("training time (s)")
        right.set_ylim(bottom=0)
        handles += right.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8)
    fig.tight_layout()
    return fig


def plot_loss_curve(log_history: list[dict], title: str = "Training loss") -> Figure:
    """The training loss against the step, from a Trainer's ``state.log_history``, and the validation loss if logged.

    Needs ``TrainingArguments(logging_strategy="steps", logging_steps=...)``: the entries
    with a ``loss`` are plotted; those with an ``eval_loss`` (from ``eval_strategy``) too.
    """
    logged = [(entry["step"], entry["loss"]) for entry in log_history if "loss" in entry and "step" in entry]
    if not logged:
        raise ValueError("The log history has no training loss: train with logging_strategy='steps' and "
                         "logging_steps smaller than the number of steps.")
    evaluated = [(entry["step"], entry["eval_loss"]) for entry in log_history if "eval_loss" in entry]
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.plot(*zip(*logged), ".-", color="tab:blue", label="training loss")
    if evaluated:
        ax.plot(*zip(*evaluated), "s--", color="tab:orange", label="validation loss")
        ax.legend()
    ax.set_xlabel("training step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


ENTITY_COLOURS = {"PER": "#ffd8a8", "ORG": "#a5d8ff", "LOC": "#b2f2bb", "MISC": "#e5dbff"}


def highlight_entities(text: str, entities: list[dict]) -> HTML:
    """``text`` as HTML with each entity of a token-classification pipeline highlighted.

    ``entities`` come from ``pipeline("token-classification", aggregation_strategy="simple")``:
    dicts with ``start``, ``end``, ``entity_group`` and ``score``.
    """
    parts, position = [], 0
    for entity in sorted(entities, key=lambda e: e["start"]):
        missing = {"start", "end", "entity_group", "score"} - set(entity)
        if missing:
            raise ValueError(f"An entity lacks {sorted(missing)}: pass the output of a token-classification "
                             "pipeline built with aggregation_strategy='simple'.")
        if entity["start"] < position:
            continue  # overlaps the previous entity
        kind = entity["entity_group"]
        parts.append(html.escape(text[position:entity["start"]]))
        parts.append(f'<mark style="background:{ENTITY_COLOURS.get(kind, "#dee2e6")};padding:0 3px;border-radius:3px">'
                     f'{html.escape(text[entity["start"]:entity["end"]])} '
                     f'<small><b>{html.escape(kind)}</b> {entity["score"]:.2f}</small></mark>')
        position = entity["end"]
    parts.append(html.escape(text[position:]))
    return HTML("<p style='line-height:2'>" + "".join(parts) + "</p>")
