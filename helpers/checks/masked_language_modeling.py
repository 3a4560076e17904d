"""Checks for lesson 04, continued pretraining with masked language modeling."""

from __future__ import annotations

import contextlib
import copy
import functools
import io
import math
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from helpers.checks.core import Verdict, calls_during, exercise, is_unsolved
from helpers.checks.reference import dataset, lesson_settings, model_path, quietly
from helpers.checks.reference import tokenizer as course_tokenizer
from helpers.token_classification import IGNORED_LABEL

LESSON = "04_masked_language_modeling"

OUTCOMES = ("-", "[MASK]", "random", "kept")


def _expected_outcomes(original: Sequence[int], inputs: Sequence[int], labels: Sequence[int],
                       mask_id: int) -> list[str]:
    outcomes = []
    for before, after, label in zip(original, inputs, labels):
        if label == IGNORED_LABEL:
            outcomes.append("-")
        elif after == mask_id:
            outcomes.append("[MASK]")
        elif after != before:
            outcomes.append("random")
        else:
            outcomes.append("kept")
    return outcomes


def _lesson_batch(settings: SimpleNamespace) -> tuple[list[tuple[list[int], list[int], list[int]]], int]:
    """(original ids, input ids, labels) of each review the lesson masks, as lists, and the mask token's id.

    The lesson's own batch, made again: its reviews (:data:`helpers.data.MASKING_REVIEWS`), its
    tokenizer and a collator seeded with its seed, which masks the same tokens every time.
    """
    from transformers import DataCollatorForLanguageModeling

    from helpers.data import MASKING_REVIEWS

    chosen = lesson_settings(LESSON, settings)
    tokenizer = course_tokenizer(chosen)
    two = tokenizer(list(MASKING_REVIEWS), padding=True, return_offsets_mapping=True, return_special_tokens_mask=True)
    examples = [{key: two[key][i] for key in two} for i in range(len(MASKING_REVIEWS))]
    batch = DataCollatorForLanguageModeling(tokenizer=tokenizer, mlm_probability=0.15, seed=chosen.seed)(examples)
    rows = [(two["input_ids"][i], batch["input_ids"][i].tolist(), batch["labels"][i].tolist())
            for i in range(len(MASKING_REVIEWS))]
    return rows, tokenizer.mask_token_id


@exercise
def masking_outcomes(outcomes_fn: Any, settings: SimpleNamespace) -> Verdict:
    """A function naming, per position, what the collator did: -, [MASK], random or kept.

    It is tried on the lesson's masked reviews, which the check masks again itself
    (``settings``: see :func:`helpers.checks.reference.lesson_settings`), then on a made-up batch.
    """
    if not callable(outcomes_fn):
        return False, "masking_outcomes must be a function of (original_ids, input_ids, labels, mask_token_id)."
    rows, mask_token_id = _lesson_batch(settings)
    synthetic = (np.array([101, 7, 8, 9, 10, 11, 102]), np.array([101, 103, 8, 55, 10, 103, 102]),
                 np.array([IGNORED_LABEL, 7, IGNORED_LABEL, 9, 10, IGNORED_LABEL, IGNORED_LABEL]), 103)
    trials = [(*row, mask_token_id, f"the lesson's review {i}") for i, row in enumerate(rows)]
    trials.append((*synthetic, "a made-up example"))
    for original, inputs, targets, mask_id, what in trials:
        # copies: it cannot change the reference
        answer = outcomes_fn(copy.copy(original), copy.copy(inputs), copy.copy(targets), mask_id)
        if is_unsolved(answer):
            return False, "Replace the ... : a position was selected when its label is not -100."
        expected = _expected_outcomes(original, inputs, targets, mask_id)
        answer = list(answer) if isinstance(answer, (list, tuple, np.ndarray)) else answer
        if not isinstance(answer, list) or len(answer) != len(expected):
            return False, f"Return one outcome per position ({len(expected)} here); got {answer!r:.100}."
        unknown = sorted({str(a) for a in answer} - set(OUTCOMES))
        if unknown:
            return False, f"Use only the outcomes {list(OUTCOMES)}; got {unknown}."
        for position, (got, want) in enumerate(zip(answer, expected)):
            if got != want:
                return False, (f"In {what}, position {position} (original id {int(original[position])}, input id "
                               f"{int(inputs[position])}, label {int(targets[position])}) is {want!r}, "
                               f"you said {got!r}. The label says whether a position was selected; the input "
                               "says what replaced it.")
    counts = {kind: _expected_outcomes(*rows[0], mask_token_id).count(kind) for kind in OUTCOMES[1:]}
    return True, f"every position named correctly; in the lesson's review 0: {counts}."



@functools.lru_cache(maxsize=2)
def _masked_lm(path: str) -> Any:
    """The lesson's masked-LM model as ``from_pretrained`` loads it, in eval mode (loaded once per kernel).

    A head the checkpoint lacks starts random (seeded here); either way the check compares
    the learner's function with the library on the same model, so any weights will do.
    """
    import torch
    from transformers import AutoModelForMaskedLM

    from transformers.utils import logging

    verbosity = logging.get_verbosity()
    logging.set_verbosity_error()  # not the load report, which the lesson shows already
    try:
        with torch.random.fork_rng(), contextlib.redirect_stderr(io.StringIO()):
            torch.manual_seed(0)  # the lesson's own random numbers stay as they were
            return quietly(AutoModelForMaskedLM.from_pretrained, path).eval()
    finally:
        logging.set_verbosity(verbosity)


def _probes(mask_token: str) -> list[str]:
    """The lesson's fill-mask sentences, with this tokenizer's mask token."""
    return [f"What a horrible {mask_token}!", f"The {mask_token} was beautifully shot.",
            f"I laughed all the way through this {mask_token}."]


def _pairs(answer: Any, k: int) -> list[tuple[int, float]] | str:
    """The learner's answer as (token id, probability) pairs, or what is wrong with its shape."""
    if not isinstance(answer, (list, tuple)) or len(answer) != k:
        return f"Return a list of k = {k} (token id, probability) pairs, most probable first; got {answer!r:.100}."
    pairs = []
    for pair in answer:
        try:
            token, probability = pair
            pairs.append((int(token), float(probability)))
        except (TypeError, ValueError):
            return f"Each guess must be a pair (token id, probability); got {pair!r:.60}."
    return pairs


def _top_k_hint(pairs: list[tuple[int, float]], logits: Any, position: int, k: int) -> str | None:
    """Why these pairs are not the top k at ``position``, when a usual mistake explains it."""
    import torch

    ids = [token for token, _ in pairs]
    row = logits[position]
    right_ids = torch.topk(row, k).indices.tolist()
    if ids == right_ids:
        probabilities = [p for _, p in pairs]
        raw = row[right_ids].tolist()
        if all(math.isclose(p, r, rel_tol=1e-4, abs_tol=1e-6) for p, r in zip(probabilities, raw)):
            return "Those are logits, not probabilities: apply a softmax over the vocabulary first."
        logs = torch.log_softmax(row, -1)[right_ids].tolist()
        if all(math.isclose(p, r, rel_tol=1e-4, abs_tol=1e-6) for p, r in zip(probabilities, logs)):
            return "Those are log-probabilities: a softmax (not a log-softmax) gives the probabilities."
        over_positions = torch.softmax(logits, 0)[position][right_ids].tolist()
        if all(math.isclose(p, r, rel_tol=1e-4, abs_tol=1e-6) for p, r in zip(probabilities, over_positions)):
            return ("The softmax ran over the positions (dimension 0): run it over the vocabulary, the last "
                    "dimension of the logits, so that one position's probabilities sum to 1.")
        return "The tokens are right; their probabilities are not: softmax over the vocabulary at the [MASK] position."
    if set(ids) == set(right_ids):
        return "The tokens are right but not in order: the most probable token comes first."
    if set(ids) == set(torch.topk(row, k, largest=False).indices.tolist()):
        return "Those are the least probable tokens: keep the k largest probabilities."
    for other in range(logits.shape[0]):
        if other != position and ids == torch.topk(logits[other], k).indices.tolist():
            return (f"Those are the best guesses at position {other}, but the [MASK] is at position {position}: "
                    "find it where input_ids equals mask_token_id.")
    return None


@exercise
def top_k_guesses(top_k_fn: Any, settings: SimpleNamespace) -> Verdict:
    """A function: the k most probable tokens at the [MASK] position, with their probabilities.

    Tried on made-up logits, then on the lesson's model and fill-mask sentences, which the check
    loads and encodes itself (``settings``: see :func:`helpers.checks.reference.lesson_settings`),
    against the ``fill-mask`` pipeline.
    """
    import torch
    from transformers import pipeline

    if not callable(top_k_fn):
        return False, "top_k_guesses must be a function of (logits, input_ids, mask_token_id, k)."
    generator = torch.Generator().manual_seed(4)
    made_up = torch.randn(7, 40, generator=generator) * 3
    made_up_ids = torch.tensor([101, 12, 13, 103, 15, 16, 102])
    answer = top_k_fn(made_up.clone(), made_up_ids.clone(), 103, 4)
    if is_unsolved(answer):
        return False, ("Replace the ... : find the [MASK] position, take a softmax over the vocabulary of the "
                       "logits there, and keep the k largest.")
    pairs = _pairs(answer, 4)
    if isinstance(pairs, str):
        return False, pairs
    expected = torch.softmax(made_up[3], -1)
    top = torch.topk(expected, 4)
    if [t for t, _ in pairs] != top.indices.tolist() or not all(
            math.isclose(p, q, rel_tol=1e-4, abs_tol=1e-6) for (_, p), q in zip(pairs, top.values.tolist())):
        hint = _top_k_hint(pairs, made_up, 3, 4) or ""
        return False, (f"On made-up logits (7 positions, 40 tokens, [MASK] at position 3, k=4) the answer is "
                       f"{[(int(t), round(float(p), 4)) for t, p in zip(top.indices, top.values)]}; you gave "
                       f"{[(t, round(p, 4)) for t, p in pairs]}. {hint}").strip()
    chosen = lesson_settings(LESSON, settings)
    tokenizer = course_tokenizer(chosen)
    model = _masked_lm(model_path(chosen))
    fill = quietly(pipeline, "fill-mask", model=model, tokenizer=tokenizer, top_k=5)
    for probe in _probes(tokenizer.mask_token):
        encoded = tokenizer(probe, return_tensors="pt")
        with torch.no_grad():
            logits = model(**encoded).logits[0].float()
        answer = top_k_fn(logits.clone(), encoded["input_ids"][0].clone(), tokenizer.mask_token_id, 5)
        pairs = _pairs(answer, 5)
        if isinstance(pairs, str):
            return False, pairs
        library = [(guess["token"], guess["score"]) for guess in fill(probe)]
        same = [t for t, _ in pairs] == [t for t, _ in library] and all(
            math.isclose(p, q, rel_tol=1e-3, abs_tol=1e-6) for (_, p), (_, q) in zip(pairs, library))
        if not same:
            position = encoded["input_ids"][0].tolist().index(tokenizer.mask_token_id)
            hint = _top_k_hint(pairs, logits, position, 5) or ""
            return False, (f"For {probe!r} the fill-mask pipeline gives "
                           f"{[(tokenizer.decode([t]), round(p, 4)) for t, p in library]}; you gave "
                           f"{[(tokenizer.decode([t]), round(p, 4)) for t, p in pairs]}. {hint}").strip()
    return True, ("the same tokens and probabilities as the fill-mask pipeline, for made-up logits and the "
                  "lesson's three sentences.")


def _loss_shortcuts() -> dict[str, Any]:
    """Functions that compute the masked cross-entropy in one call: exercise 3 asks for the steps."""
    import torch

    return {"torch.nn.functional.cross_entropy": torch.nn.functional.cross_entropy,
            "torch.nn.functional.nll_loss": torch.nn.functional.nll_loss,
            "torch.nn.CrossEntropyLoss": torch.nn.CrossEntropyLoss.forward,
            "torch.nn.NLLLoss": torch.nn.NLLLoss.forward}


def _held_out_batch(chosen: SimpleNamespace) -> tuple[Any, Any, float]:
    """Logits and labels of a batch of 8 of the lesson's validation reviews, masked by a seeded collator, and the
    model's own mean masked-LM loss on it."""
    import torch
    from transformers import DataCollatorForLanguageModeling

    from helpers.data import subset

    tokenizer = course_tokenizer(chosen)
    reviews = subset(dataset("rotten_tomatoes")["validation"], chosen.max_eval_samples, seed=chosen.seed)
    texts = list(reviews.select(range(min(8, len(reviews))))["text"])
    encoded = tokenizer(texts, padding=True, truncation=True, return_special_tokens_mask=True)
    examples = [{key: encoded[key][i] for key in encoded} for i in range(len(texts))]
    batch = DataCollatorForLanguageModeling(tokenizer=tokenizer, mlm_probability=0.15, seed=chosen.seed)(examples)
    batch.pop("special_tokens_mask", None)
    model = _masked_lm(model_path(chosen))
    with torch.no_grad():
        output = model(**batch)
    return output.logits.float(), batch["labels"], float(output.loss)


def _perplexity_variants(logits: Any, labels: Any) -> dict[str, float]:
    """What usual mistakes compute, each named by the hint that explains it."""
    import torch

    log_probabilities = torch.log_softmax(logits, -1)
    selected = labels != IGNORED_LABEL
    safe = labels.clamp(min=0)
    picked = -log_probabilities.gather(-1, safe.unsqueeze(-1)).squeeze(-1)
    loss = float(picked[selected].mean())
    raw = -logits.gather(-1, safe.unsqueeze(-1)).squeeze(-1)
    over_positions = -torch.log_softmax(logits, 1).gather(-1, safe.unsqueeze(-1)).squeeze(-1)
    return {
        "That is the mean loss, a logarithm: the perplexity is e to the mean loss (forgot the exp?).": loss,
        "PyTorch's cross-entropy uses the natural logarithm: use e, not 2, as the base of the power.": 2 ** loss,
        "That is e to the mean loss in bits: take the natural logarithm of the probabilities (or 2 to a mean "
        "loss in bits), not e to a loss in bits.": math.exp(loss / math.log(2)),
        "The mean ran over every position, -100 ones included: average the losses of the selected positions "
        "only (labels other than -100).": math.exp(float(picked[selected].sum()) / labels.numel()),
        "The -100 positions were counted (as token 0): keep only the positions whose label is not -100.":
            math.exp(float(picked.mean())),
        "That is the mean of the per-token perplexities: take e to the mean loss, not the mean of e to each loss.":
            float(picked[selected].exp().mean()),
        "The logits are not log-probabilities: take a log-softmax over the vocabulary first.":
            math.exp(float(raw[selected].mean())),
        "The softmax ran over the positions: run it over the vocabulary, the last dimension.":
            math.exp(float(over_positions[selected].mean())),
    }


@exercise
def masked_perplexity(perplexity_fn: Any, settings: SimpleNamespace) -> Verdict:
    """A function: the perplexity of a batch from its logits and labels, by hand.

    Tried on made-up logits, then on a batch of the lesson's test reviews that the check masks
    and scores itself (``settings``: see :func:`helpers.checks.reference.lesson_settings`),
    against ``exp`` of the model's own loss. It must not call a cross-entropy function.
    """
    import torch

    if not callable(perplexity_fn):
        return False, "masked_perplexity must be a function of (logits, labels)."
    generator = torch.Generator().manual_seed(7)
    made_up_logits = torch.randn(2, 6, 30, generator=generator) * 2
    made_up_labels = torch.tensor([[IGNORED_LABEL, 4, IGNORED_LABEL, 17, IGNORED_LABEL, IGNORED_LABEL],
                                   [IGNORED_LABEL, IGNORED_LABEL, 29, IGNORED_LABEL, 0, IGNORED_LABEL]])
    made_up_loss = float(torch.nn.functional.cross_entropy(made_up_logits.reshape(-1, 30),
                                                           made_up_labels.reshape(-1)))
    chosen = lesson_settings(LESSON, settings)
    logits, labels, model_loss = _held_out_batch(chosen)
    cases = [("made-up logits (2 x 6 positions, 30 tokens, 4 selected)", made_up_logits, made_up_labels,
              made_up_loss),
             ("a batch of 8 of the lesson's validation reviews", logits, labels, model_loss)]
    for what, case_logits, case_labels, loss in cases:
        try:
            answer, used = calls_during(perplexity_fn, (case_logits.clone(), case_labels.clone()), _loss_shortcuts())
        except (IndexError, RuntimeError) as error:
            return False, (f"On {what}, masked_perplexity failed: {type(error).__name__}: {str(error)[:120]}. "
                           "A label of -100 is no token id: keep only the positions whose label is not -100 "
                           "before you pick the true token's log-probability.")
        if used:
            return False, (f"Compute the cross-entropy yourself (log-softmax, pick the true token, average): your "
                           f"function calls {used[0]}.")
        if is_unsolved(answer):
            return False, ("Replace the ... : a log-softmax over the vocabulary, the true token's log-probability "
                           "at each position whose label is not -100, their mean, negated, then exp.")
        try:
            value = float(answer)
        except (TypeError, ValueError):
            return False, f"Return one number, the perplexity; got {answer!r:.80}."
        expected = math.exp(loss)
        if math.isclose(value, expected, rel_tol=1e-3):
            continue
        hint = next((text for text, variant in _perplexity_variants(case_logits, case_labels).items()
                     if math.isclose(value, variant, rel_tol=1e-3)), "")
        return False, (f"On {what} the perplexity is {expected:,.4f} (e to the mean cross-entropy of the "
                       f"selected positions, {loss:.4f}); you gave {value:,.4f}. {hint}").strip()
    return True, (f"the same perplexity as e to the model's own loss, on a batch of 8 validation reviews that the "
                  f"check masked itself: {math.exp(model_loss):,.1f} (mean loss {model_loss:.3f}), from its "
                  f"{int((labels != IGNORED_LABEL).sum())} selected positions only.")
