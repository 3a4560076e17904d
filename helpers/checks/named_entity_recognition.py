"""Checks for lesson 05, named-entity recognition."""

from __future__ import annotations

import copy
from collections import Counter
from types import SimpleNamespace
from typing import Any

from helpers.checks.core import Verdict, calls_during, exercise, is_unsolved
from helpers.checks.reference import conll_test_tags, dataset, quietly, tag_lists_problem
from helpers.checks.reference import lesson_settings as _lesson_settings
from helpers.checks.reference import tokenizer as course_tokenizer
from helpers.token_classification import align_word_labels, inside_map, resolve_model_or

LESSON = "05_named_entity_recognition"
REAL_SENTENCES = 20  # the first training sentences, the lesson's example (12) among them
OTHER_LABELS = ["B-FILM", "O", "B-ACTOR", "I-FILM", "I-ACTOR"]  # B-/I- ids neither adjacent nor of one parity


def lesson_settings(lesson: str, settings: SimpleNamespace) -> SimpleNamespace:
    """The lesson's settings (:func:`helpers.checks.reference.lesson_settings`), its model_id replaced by what
    the lesson loads: with ``offline_model_id``, the Hub model or, when the Hub cannot serve it, that one."""
    chosen = _lesson_settings(lesson, settings)
    offline = getattr(chosen, "offline_model_id", None)
    if offline is None:
        return chosen
    return SimpleNamespace(**{**vars(chosen), "model_id": quietly(resolve_model_or, chosen.model_id, offline)})


def _inside_labels(word_ids: list[int | None], word_labels: list[int], label_names: list[str]) -> list[int]:
    return align_word_labels(word_ids, word_labels, "inside", inside_map(label_names))


def _library_shortcuts() -> dict[str, Any]:
    from seqeval.metrics.sequence_labeling import get_entities

    from helpers import token_classification

    return {"helpers.token_classification.align_word_labels": token_classification.align_word_labels,
            "helpers.token_classification.tokenize_and_align": token_classification.tokenize_and_align,
            "seqeval's get_entities": get_entities}


def _sentence_trials(settings: SimpleNamespace) -> list[tuple[list[int | None], list[int], list[str], str]]:
    """(word_ids, word labels, tag names, which sentence) of the first training sentences, by the lesson's tokenizer."""
    conll = dataset("conll2003")
    names = conll["train"].features["ner_tags"].feature.names
    tokenizer = course_tokenizer(lesson_settings(LESSON, settings))
    trials = []
    for index, row in enumerate(conll["train"].select(range(REAL_SENTENCES))):
        word_ids = tokenizer(row["tokens"], is_split_into_words=True).word_ids()
        trials.append((word_ids, list(row["ner_tags"]), names,
                       f"In training sentence {index}, {' '.join(row['tokens'])!r:.70}"))
    return trials


@exercise
def align_labels(align_fn: Any, settings: SimpleNamespace) -> Verdict:
    """A loop giving each token its word's label, I- for later pieces of a B- word, -100 to special tokens.

    It is tried on CoNLL-2003 training sentences cut by the lesson's tokenizer, which the check loads
    itself (``settings``: see :func:`helpers.checks.reference.lesson_settings`), then on made-up ones.
    """
    if not callable(align_fn):
        return False, "align_labels must be a function of (word_ids, word_labels, label_names)."
    trials = _sentence_trials(settings)
    names = trials[0][2]
    trials += [(ids, labels, tags, f"For word_ids {ids}, word labels {labels} and tags {tags}")
               for ids, labels, tags in [([None, 0, 1, 1, 1, 2, None], [3, 4, 0], names),
                                         ([None, 0, 0, 1, 1, 2, 2, None], [0, 2, 1], OTHER_LABELS)]]
    for ids, labels, names, where in trials:
        answer, used = calls_during(align_fn, (list(ids), list(labels), list(names)), _library_shortcuts())
        if used:
            return False, f"Write the loop yourself: your function calls {used[0]}."
        if is_unsolved(answer):
            return False, "Replace the ... : walk through word_ids, remembering the previous word id."
        expected = _inside_labels(ids, labels, names)
        if not isinstance(answer, list) or len(answer) != len(expected):
            return False, f"{where}: return one label per token ({len(expected)} of them); got {answer!r:.100}."
        if answer != expected:
            position = next(i for i, (a, e) in enumerate(zip(answer, expected)) if a != e)
            word = ids[position]
            what = ("a special token" if word is None else
                    f"the first piece of word {word}" if position == 0 or ids[position - 1] != word else
                    f"a later piece of word {word}, tagged {names[labels[word]]}")
            hint = (" Find the I- tag by its name (label_names), not by arithmetic on the id."
                    if names is OTHER_LABELS else "")
            return False, (f"{where}: token {position} is {what} "
                           f"and should get {expected[position]}, you gave {answer[position]}.{hint}")
    return True, "first pieces get their word's label, later pieces its I- form, special tokens -100."


def _spans(tags: list[str]) -> list[tuple[str, int, int]]:
    """Entities of a BIO sequence under the conlleval rules (an I- that continues nothing starts an entity)."""
    spans, kind, start = [], None, 0
    for position, tag in enumerate([*tags, "O"]):
        prefix, _, name = tag.partition("-")
        continues = prefix == "I" and name == kind
        if kind is not None and not continues:
            spans.append((kind, start, position - 1))
            kind = None
        if prefix in ("B", "I") and not continues:
            kind, start = name, position
    return spans


@exercise
def bio_to_spans(spans_fn: Any, tags: list[str]) -> Verdict:
    """A function turning a BIO tag list into (type, first, last) entity spans."""
    if not callable(spans_fn):
        return False, "bio_to_spans must be a function of one list of tags."
    trials = [list(tags),
              ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC"],
              ["O", "I-ORG", "I-ORG", "O", "B-MISC"],
              ["B-PER", "I-LOC", "I-LOC", "O"]]
    for trial in trials:
        answer, used = calls_during(spans_fn, (list(trial),), _library_shortcuts())
        if used:
            return False, f"Write the conversion yourself: your function calls {used[0]}."
        if is_unsolved(answer):
            return False, "Replace the ... : a B- tag always starts an entity; an I- tag of the same type continues it."
        expected = _spans(trial)
        answer = [tuple(span) for span in answer] if isinstance(answer, (list, tuple)) else answer
        if answer != expected:
            return False, (f"For {trial} the entities are {expected} (type, first position, last position); "
                           f"you gave {answer!r}. An I- tag that does not continue an entity of its type "
                           "starts a new one, as in conlleval.")
    return True, f"the spans of every tag list tried are right; this sentence has {len(_spans(list(tags)))} entities."


def _confusions(true_tags: list[list[str]], pred_tags: list[list[str]]) -> Counter:
    pairs = Counter()
    for truth, prediction in zip(true_tags, pred_tags):
        for t, p in zip(truth, prediction):
            t_type, p_type = t.partition("-")[2], p.partition("-")[2]
            if t_type and p_type and t_type != p_type:
                pairs[(t_type, p_type)] += 1
    return pairs


@exercise
def most_confused(confused_fn: Any, pred_words: Any, settings: SimpleNamespace) -> Verdict:
    """A function: the (true type, predicted type) pair most often confused at the word level.

    ``pred_words`` are the learner's model's tags of the lesson's test sentences; their true tags
    come from the course's test split (``settings``: see :func:`helpers.checks.reference.lesson_settings`).
    """
    if not callable(confused_fn):
        return False, "most_confused must be a function of (true_tags, pred_tags)."
    chosen = lesson_settings(LESSON, settings)
    true_words = conll_test_tags(chosen, "ner_tags")
    problem = tag_lists_problem("pred_words", pred_words, true_words, chosen)
    if problem:
        return False, problem
    other_true = [["B-ORG", "I-ORG", "O", "B-LOC"], ["B-ORG", "O", "B-PER"], ["B-MISC", "O"]]
    other_pred = [["B-LOC", "I-LOC", "O", "B-LOC"], ["B-PER", "O", "B-ORG"], ["O", "B-PER"]]
    for truth, prediction in [(true_words, pred_words), (other_true, other_pred)]:
        counts = _confusions(truth, prediction)
        # copies: it cannot change the reference
        answer = confused_fn(copy.deepcopy(truth), copy.deepcopy(prediction))
        if answer is ... or (answer is None and counts):
            return False, "Replace the ... : count (true type, predicted type) over words where both are entities."
        if not counts:
            if answer is None:
                continue
            return False, f"These predictions confuse no two entity types: return None, not {answer!r}."
        top = max(counts.values())
        best = sorted(pair for pair, count in counts.items() if count == top)
        if isinstance(answer, (list, tuple)) and tuple(answer) in best:
            continue
        swapped = isinstance(answer, (list, tuple)) and tuple(answer)[::-1] in best
        hint = (" The first element is the true type, the second the predicted one." if swapped else
                " Compare types without their B-/I- prefix and skip words where either tag is O.")
        return False, f"The most confused pair is {best[0]} ({top} words); you gave {answer!r}.{hint}"
    counts = _confusions(true_words, pred_words)
    summary = f"{counts.most_common(1)[0]}" if counts else "no confusion at all"
    return True, f"most_confused finds the commonest confusion; here: {summary}."

