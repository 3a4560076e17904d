"""The book's published figures (Colab T4, bert-base-cased, 1 epoch, lr 2e-5,
batch 16), for putting our scores beside them. Source: REFERENCE.md §3."""

from __future__ import annotations

# notebook -> score name -> (value, where it comes from)
BOOK_SCORES: dict[str, dict[str, tuple[float, str]]] = {
    "01_supervised_classification": {
        "test_f1": (0.849, "book; 0.857 in the official repo's stored run; 101 s on a T4"),
    },
}
