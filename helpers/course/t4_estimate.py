"""Estimated run times on a Colab T4, in fp32, calibrated on the book's own T4 timings.

No T4 was available to measure the course's lessons, so their times are estimated:

1. **Cost of a batch.** A batch of ``n`` examples padded to ``L`` tokens costs
   ``n * L * (1 + L / ATTENTION_TOKENS)`` token units. The dense layers cost the same
   per token at any length; the attention over ``L`` tokens adds ``L / (6 * 768)`` per
   token in multiply-adds (BERT-base), doubled here for the softmax, mask and dropout
   over the ``L x L`` scores, which move memory rather than compute (a stated guess):
   ``ATTENTION_TOKENS = 2304``. Short sentences (L about 50) cost 2 % more per token;
   384-token windows 17 %.
2. **Padding.** Batches are padded to their longest example. The book's runs used
   random batches and no padding multiple; the course groups training batches by length
   (``train_sampling_strategy="group_by_length"``: transformers shuffles, then sorts by
   length within groups of 50 batches, which :func:`padded_batches` reproduces) and pads
   to a multiple of 8 on a GPU. Every count here (token lengths, blocks, SQuAD windows)
   comes from the tokenizer of all-MiniLM-L6-v2 (BERT's uncased WordPiece vocabulary),
   a stand-in, not from bert-base-cased's, which the offline machine cannot load; the
   lengths are close (88,524 SQuAD training windows here, about 88,700 with bert-base-cased).
3. **Throughput.** ``T4_FP32_TOKENS_PER_S`` token units of training per second: the
   geometric mean of the four book figures (:func:`calibrate`). A training step (forward
   and backward) is the unit; a forward pass alone (evaluation, prediction) costs
   ``FORWARD_SHARE`` = 1/3 of it per token (the backward pass costs about twice the
   forward). With frozen blocks the forward still runs through every block, and the
   backward only through the trainable ones (:func:`frozen_share`). Masked-LM training
   also projects every token onto the vocabulary: ``MLM_HEAD_FACTOR`` = 1.27 times the
   encoder's multiply-adds per token.

Calibration on the book's T4 figures (fp32, batch 16; the throughput each figure gives
alone, and what the combined throughput of 4,215 token units/s estimates for it):

| book figure | token units | alone (units/s) | estimate | ratio |
|---|---|---|---|---|
| classification, Rotten Tomatoes, 534 steps, 101 s | 421,500 | 4,174 | 100 s | 0.99 |
| NER, CoNLL-2003, 878 steps, 147 s | 681,400 | 4,635 | 162 s | 1.10 |
| masked LM, 5,340 steps (10 epochs), 23 min | 5,350,000 | 3,877 | 21.2 min | 0.92 |
| SetFit, 240 steps of 16 pairs, 87 s | 366,300 | 4,210 | 87 s | 1.00 |

The four agree within a factor of 1.20 (highest over lowest throughput). Without the
vocabulary projection the masked-LM figure alone would give 3,055 units/s (a spread of
1.52). The book's masked-LM run trained on single sentences (534 steps an epoch: 8,530
sentences / 16), not on blocks of 128 tokens as lesson 04 does. The SetFit figure
covers ``trainer.train()``: 240 steps of 16 sentence pairs (each side a batch of 16
sentences drawn from the 32 labelled ones) and the logistic-regression fit on 32
embeddings, not the evaluation. The book's runs saved one checkpoint per epoch, so
saving is inside the throughput, as in lessons 04 and 07, which save one per epoch.

What the figures are: estimates of fp32 arithmetic, the book's. The course trains in
fp16 on a T4 (:func:`helpers.training.gpu_precision`), which should be faster, but is
unmeasured; lesson 03's SetFit trains in fp32 (setfit's ``use_amp`` is False by default).
For 384-token windows the estimate is likely high: longer batches keep a GPU busier than
the short sentences of the calibration. Loading a model and building
its trainer, outside the book's timings, is counted as ``MODEL_LOAD_S`` per model (a
guess); downloads, installs and tokenizing are not counted.

``python -m helpers.course.t4_estimate`` prints the calibration and the estimate for
every lesson's ``full`` profile.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

BATCH_SIZE = 16
EVAL_BATCH_SIZE = 64  # the lessons' per_device_eval_batch_size
PAD_MULTIPLE = 8  # the course's collators on a GPU (helpers.training.pad_multiple)
ATTENTION_TOKENS = 2304  # a token's cost grows by L / ATTENTION_TOKENS: 2 * (6 * 768)
FORWARD_SHARE = 1 / 3  # a forward pass, per token, against a training step
HIDDEN, LAYERS, BOOK_VOCABULARY = 768, 12, 28_996  # bert-base-cased
# Masked LM: the transform (d x d) and the projection onto the vocabulary (d x V), on every
# token, against the encoder's 12 d^2 multiply-adds per token and layer.
MLM_HEAD_FACTOR = 1 + (HIDDEN * HIDDEN + HIDDEN * BOOK_VOCABULARY) / (LAYERS * 12 * HIDDEN * HIDDEN)
T4_FP32_TOKENS_PER_S = 4215.0  # calibrate().tokens_per_s, rounded
MODEL_LOAD_S = 5.0  # loading a model and building its trainer (a guess)
ORDERS = ("random", "grouped", "in_order", "sorted")
STAND_IN = "sentence-transformers/all-MiniLM-L6-v2"


def _count(name: str, value: Any, minimum: int = 0) -> int:
    """``value`` if it is a whole number of at least ``minimum``; a ValueError naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}, got {value!r}.")
    return int(value)


def _lengths(lengths: Sequence[int]) -> np.ndarray:
    """The token lengths as an array; a ValueError unless each is a whole number of at least 1."""
    array = np.asarray(lengths)
    if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"lengths must be a list of whole numbers of tokens, got {lengths!r:.80}.")
    if array.size and array.min() < 1:
        raise ValueError(f"every length must be at least 1 token, got {int(array.min())}.")
    return array.astype(np.int64)


def padded_batches(lengths: Sequence[int], batch_size: int = BATCH_SIZE, order: str = "grouped",
                   pad_multiple: int | None = PAD_MULTIPLE, seed: int = 42) -> list[tuple[int, int]]:
    """``(examples, padded length)`` of each batch of one epoch over examples of these token lengths.

    ``order``: "random" (shuffled, the book's runs), "grouped" (shuffled, then sorted by length
    within groups of 50 batches, or fewer to make 4 groups, as transformers'
    ``group_by_length``), "in_order" (the given order) or "sorted" (all sorted by length, as
    sentence-transformers encodes). ``pad_multiple`` rounds each padded length up.
    """
    array = _lengths(lengths)
    batch_size = _count("batch_size", batch_size, 1)
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, got {order!r}.")
    rng = np.random.default_rng(seed)
    if order == "sorted":
        array = np.sort(array)
    elif order != "in_order":
        array = array[rng.permutation(array.size)]
    groups = [array]
    if order == "grouped":
        group = batch_size * max(1, min(50, array.size // (batch_size * 4)))
        groups = [np.sort(array[start:start + group])[::-1] for start in range(0, array.size, group)]
    batches = [part[start:start + batch_size] for part in groups for start in range(0, part.size, batch_size)]
    multiple = pad_multiple or 1
    return [(int(batch.size), int(-(-batch.max() // multiple) * multiple)) for batch in batches]


def token_units(batches: Sequence[tuple[int, int]]) -> float:
    """The cost of these ``(examples, padded length)`` batches: ``n * L * (1 + L / ATTENTION_TOKENS)`` each."""
    return float(sum(n * length * (1 + length / ATTENTION_TOKENS) for n, length in batches))


def frozen_share(trainable_blocks: int, blocks: int = LAYERS) -> float:
    """A training step's cost with only the top ``trainable_blocks`` of ``blocks`` trainable, against all.

    The forward pass runs through every block (``FORWARD_SHARE``); the backward pass, the rest
    of a step, only through the trainable blocks. 0 trainable blocks: the head alone, 1/3.
    """
    blocks = _count("blocks", blocks, 1)
    if _count("trainable_blocks", trainable_blocks) > blocks:
        raise ValueError(f"trainable_blocks must be at most blocks ({blocks}), got {trainable_blocks}.")
    return FORWARD_SHARE + (1 - FORWARD_SHARE) * trainable_blocks / blocks


def train_seconds(lengths: Sequence[int], epochs: int = 1, *, batch_size: int = BATCH_SIZE,
                  order: str = "grouped", pad_multiple: int | None = PAD_MULTIPLE, step_share: float = 1.0,
                  head_factor: float = 1.0, tokens_per_s: float = T4_FP32_TOKENS_PER_S, seed: int = 42) -> float:
    """Seconds to train ``epochs`` epochs over examples of these token lengths on a T4 in fp32.

    ``step_share``: a step's cost against a full training step (:func:`frozen_share`);
    ``head_factor``: the cost of the output head per token (``MLM_HEAD_FACTOR`` for masked LM).
    The defaults are the course's recipe: batches of 16 grouped by length, padded to a multiple of 8.
    """
    epochs = _count("epochs", epochs)
    units = token_units(padded_batches(lengths, batch_size, order, pad_multiple, seed))
    return epochs * units * step_share * head_factor / tokens_per_s


def inference_seconds(lengths: Sequence[int], *, batch_size: int = EVAL_BATCH_SIZE, order: str = "in_order",
                      pad_multiple: int | None = PAD_MULTIPLE, head_factor: float = 1.0,
                      tokens_per_s: float = T4_FP32_TOKENS_PER_S) -> float:
    """Seconds to evaluate or predict examples of these token lengths: forward passes, ``FORWARD_SHARE``
    of a training step per token. The default order is :func:`helpers.training.predict_in_order`'s;
    ``trainer.predict`` with the course's recipe groups by length ("grouped")."""
    units = token_units(padded_batches(lengths, batch_size, order, pad_multiple))
    return units * FORWARD_SHARE * head_factor / tokens_per_s


def pair_side_length(population: Sequence[int], labelled: int, batch_size: int = BATCH_SIZE,
                     draws: int = 200, seed: int = 42) -> float:
    """Expected padded length of one side of a SetFit pair batch: the longest of ``batch_size``
    sentences drawn at random from ``labelled`` sentences, themselves drawn from ``population``
    (averaged over ``draws`` labelled sets)."""
    array = _lengths(population)
    labelled = _count("labelled", labelled, 1)
    batch_size = _count("batch_size", batch_size, 1)
    if labelled > array.size:
        raise ValueError(f"labelled ({labelled}) must be at most the {array.size} sentences of the population.")
    rng = np.random.default_rng(seed)
    rank = np.arange(1, labelled + 1) / labelled
    chance = rank ** batch_size - (rank - 1 / labelled) ** batch_size  # P(the k-th shortest is the longest drawn)
    return float(np.mean([np.sort(rng.choice(array, labelled, replace=False)) @ chance
                          for _ in range(_count("draws", draws, 1))]))


def setfit_train_seconds(population: Sequence[int], labelled: int, iterations: int = 20, epochs: int = 3,
                         batch_size: int = BATCH_SIZE, tokens_per_s: float = T4_FP32_TOKENS_PER_S) -> float:
    """Seconds of SetFit's contrastive training: ``2 * iterations * labelled`` pairs an epoch, in
    batches of ``batch_size`` pairs, each side padded to its longest (:func:`pair_side_length`)."""
    side = pair_side_length(population, labelled, batch_size)
    steps = _count("epochs", epochs) * math.ceil(2 * _count("iterations", iterations) * labelled / batch_size)
    return steps * 2 * token_units([(batch_size, side)]) / tokens_per_s


# --- Calibration on the book's figures ---------------------------------------------------------

@dataclass(frozen=True)
class BookTiming:
    """One of the book's T4 timings (bert-base-cased or all-mpnet-base-v2, fp32, batch 16)."""

    name: str
    seconds: float
    steps: int
    examples: int  # the book's training examples (the Hub's splits)
    what: str


BOOK_TIMINGS = (
    BookTiming("classification", 101, 534, 8530, "Rotten Tomatoes, 1 epoch, random batches"),
    BookTiming("ner", 147, 878, 14041, "CoNLL-2003, 1 epoch, random batches"),
    BookTiming("mlm", 23 * 60, 5340, 8530, "masked LM on the Rotten Tomatoes sentences, 10 epochs"),
    BookTiming("setfit", 87, 240, 32, "all-mpnet-base-v2, 16 sentences per class, 20 iterations, 3 epochs"),
)


@dataclass(frozen=True)
class CalibrationRow:
    """A book figure, its cost in token units and the throughput it gives alone."""

    timing: BookTiming
    units: float

    @property
    def tokens_per_s(self) -> float:
        return self.units / self.timing.seconds


@dataclass(frozen=True)
class Calibration:
    """The four rows, their combined throughput (geometric mean) and their spread (highest / lowest)."""

    rows: tuple[CalibrationRow, ...]

    @property
    def tokens_per_s(self) -> float:
        return math.exp(np.mean([math.log(row.tokens_per_s) for row in self.rows]))

    @property
    def spread(self) -> float:
        rates = [row.tokens_per_s for row in self.rows]
        return max(rates) / min(rates)

    def estimate(self, name: str) -> float:
        """The seconds the combined throughput gives for the book figure called ``name``."""
        row = next(row for row in self.rows if row.timing.name == name)
        return row.units / self.tokens_per_s


def book_units(timing: BookTiming, lengths: Sequence[int], head_factor: float = 1.0) -> float:
    """Token units of a book run of ``timing.steps`` random, unrounded batches over the book's
    ``timing.examples`` examples, with ``lengths`` (the offline copy's) standing for their lengths."""
    epochs = timing.steps / math.ceil(timing.examples / BATCH_SIZE)
    per_example = token_units(padded_batches(lengths, order="random", pad_multiple=None)) / len(lengths)
    return epochs * timing.examples * per_example * head_factor


def calibrate(sentences: Sequence[int] | None = None, ner_sentences: Sequence[int] | None = None) -> Calibration:
    """The calibration on the book's four figures. ``sentences``: token lengths of the Rotten
    Tomatoes training sentences; ``ner_sentences``: of CoNLL-2003's (both tokenized here if None)."""
    sentences = rotten_tomatoes_lengths("train") if sentences is None else sentences
    ner_sentences = conll_lengths("train") if ner_sentences is None else ner_sentences
    classification, ner, mlm, setfit = BOOK_TIMINGS
    side = pair_side_length(sentences, setfit.examples)
    return Calibration((
        CalibrationRow(classification, book_units(classification, sentences)),
        CalibrationRow(ner, book_units(ner, ner_sentences)),
        CalibrationRow(mlm, book_units(mlm, sentences, MLM_HEAD_FACTOR)),
        CalibrationRow(setfit, setfit.steps * 2 * token_units([(BATCH_SIZE, side)])),
    ))


# --- Token lengths of the course's data, with the stand-in tokenizer ---------------------------

@lru_cache(maxsize=1)
def stand_in_tokenizer() -> Any:
    """all-MiniLM-L6-v2's tokenizer (uncased WordPiece), standing in for bert-base-cased's."""
    from transformers import AutoTokenizer

    from helpers.models import resolve_model

    return AutoTokenizer.from_pretrained(resolve_model(STAND_IN))


def text_lengths(texts: Sequence[str]) -> list[int]:
    """Token lengths of texts, truncated at the model's limit, as the lessons tokenize them."""
    return [len(ids) for ids in stand_in_tokenizer()(list(texts), truncation=True)["input_ids"]]


def word_lengths(sentences: Sequence[Sequence[str]]) -> list[int]:
    """Token lengths of sentences given as words (token classification)."""
    encoded = stand_in_tokenizer()(list(map(list, sentences)), truncation=True, is_split_into_words=True)
    return [len(ids) for ids in encoded["input_ids"]]


@lru_cache(maxsize=None)
def rotten_tomatoes_lengths(split: str, samples: int | None = None) -> tuple[int, ...]:
    """Token lengths of a Rotten Tomatoes split (offline copy), or of the lessons' sample of it."""
    from helpers.data import load_rotten_tomatoes, subset

    return tuple(text_lengths(subset(load_rotten_tomatoes()[split], samples)["text"]))


@lru_cache(maxsize=None)
def conll_lengths(split: str, samples: int | None = None) -> tuple[int, ...]:
    """Token lengths of a CoNLL-2003 split, or of the lessons' sample of it."""
    from helpers.data import load_conll2003, subset

    return tuple(word_lengths(subset(load_conll2003()[split], samples)["tokens"]))


def block_count(lengths: Sequence[int], block_size: int, chunk: int = 1000) -> int:
    """Blocks of ``block_size`` tokens that :func:`helpers.language_modeling.group_into_blocks` makes,
    mapped in chunks of ``chunk`` texts (``Dataset.map``'s default): each chunk drops its remainder."""
    array = _lengths(lengths)
    block_size = _count("block_size", block_size, 1)
    return sum(int(array[start:start + chunk].sum()) // block_size for start in range(0, array.size, chunk))


def qa_window_lengths(split: str, samples: int | None, max_length: int, stride: int,
                      features: Callable[..., Any] | None = None) -> list[int]:
    """Token lengths of the windows that lesson 07 cuts from SQuAD questions (``features``:
    :func:`helpers.question_answering.qa_train_features` unless given, e.g. ``qa_eval_features``)."""
    from helpers.data import load_squad, subset
    from helpers.question_answering import qa_train_features

    rows = subset(load_squad()[split], samples)
    window = (features or qa_train_features)(stand_in_tokenizer(), max_length, stride)
    return [len(ids) for start in range(0, len(rows), 2000)
            for ids in window(rows[start:start + 2000])["input_ids"]]


# --- The lessons' full profiles ----------------------------------------------------------------

Parts = list[tuple[str, float]]


def _classification(train: Sequence[int], predicted: Sequence[int], epochs: int, step_share: float = 1.0) -> float:
    return (train_seconds(train, epochs, step_share=step_share) + inference_seconds(predicted) + MODEL_LOAD_S)


def supervised_classification(p: dict[str, Any]) -> Parts:
    """Lesson 01: one training that scores the validation split twice per epoch, then the test split
    predicted in order."""
    train = rotten_tomatoes_lengths("train", p["max_train_samples"])
    validation = rotten_tomatoes_lengths("validation", p["max_eval_samples"])
    test = rotten_tomatoes_lengths("test", p["max_eval_samples"])
    passes = 2 * p["num_train_epochs"]
    return [(f"training, {len(train):,} sentences, {p['num_train_epochs']} epoch(s)",
             train_seconds(train, p["num_train_epochs"])),
            (f"{passes} validation passes, {len(validation):,} sentences each",
             passes * inference_seconds(validation, order="grouped")),
            (f"test predictions, {len(test):,} sentences", inference_seconds(test)),
            ("loading the model", MODEL_LOAD_S)]


def freezing_layers(p: dict[str, Any]) -> Parts:
    """Lesson 02: a training per number of trainable blocks (0 = the head only, 12 = everything) and one
    with the head and the pooler, each followed by predictions on the validation and test splits, in order."""
    if p["sweep_points"] is None:
        counts = list(range(LAYERS + 1))
    else:
        points = max(2, p["sweep_points"])  # the lesson's sweep_blocks
        counts = sorted({round(i * LAYERS / (points - 1)) for i in range(points)})
    counts = sorted(set(counts) | {0, 1, LAYERS})  # the first runs, which the sweep reuses
    train = rotten_tomatoes_lengths("train", p["max_train_samples"])
    predicted = (rotten_tomatoes_lengths("validation", p["max_eval_samples"])
                 + rotten_tomatoes_lengths("test", p["max_eval_samples"]))
    runs = [(f"{k} trainable block(s)", frozen_share(k)) for k in counts] + [("head + pooler", frozen_share(0))]
    return [(f"{name}: training (step share {share:.2f}), validation and test predictions, model",
             _classification(train, predicted, p["num_train_epochs"], share)) for name, share in runs]


def few_shot_setfit(p: dict[str, Any]) -> Parts:
    """Lesson 03: SetFit on each draw (test and validation), a zero-shot run, the pretrained embeddings of
    controls (a) and (c), the ordinary fine-tune (b), and the curve's other sizes on each draw (validation)."""
    train = rotten_tomatoes_lengths("train")
    validation = rotten_tomatoes_lengths("validation", p["max_eval_samples"])
    test = rotten_tomatoes_lengths("test", p["max_eval_samples"])

    def predicted(lengths: Sequence[int]) -> float:
        return inference_seconds(lengths, batch_size=32, order="sorted", pad_multiple=None)

    per_class, iterations, epochs, draws = (p["examples_per_class"], p["num_iterations"], p["num_epochs"],
                                            p["draws"])

    def setfit_run(population: Sequence[int], labelled: int) -> float:
        return setfit_train_seconds(population, labelled, iterations, epochs, p["batch_size"]) + MODEL_LOAD_S

    template = max(text_lengths(["This is a negative movie review.", "This is a positive movie review."]))
    pool = rotten_tomatoes_lengths("train", p["max_train_samples"])
    embedded = inference_seconds([*validation, *test, *pool], order="sorted", pad_multiple=None)
    rng = np.random.default_rng(42)
    few_shot = rng.choice(train, 2 * per_class, replace=False)
    fine_tune = _classification(few_shot, test, p["fine_tune_epochs"])
    curve = [size for size in p["curve_sizes"] if size != per_class]
    return [(f"SetFit, {per_class} per class, {draws} draws: training, test and validation predictions, model",
             draws * (setfit_run(train, 2 * per_class) + predicted(test) + predicted(validation))),
            ("zero-shot, 16 template sentences: training, test predictions, model",
             setfit_run([template] * 16, 16) + predicted(test)),
            (f"pretrained embeddings: {len(validation) + len(test) + len(pool):,} sentences", embedded + MODEL_LOAD_S),
            (f"ordinary fine-tuning, {2 * per_class} sentences, {p['fine_tune_epochs']} epochs, test predictions",
             fine_tune),
            *[(f"curve, {size} per class, {draws} draws: training, validation predictions, model",
               draws * (setfit_run(train, 2 * size) + predicted(validation))) for size in curve]]


def masked_language_modeling(p: dict[str, Any]) -> Parts:
    """Lesson 04: held-out loss three times; step 1, the masked-LM head alone (the encoder frozen); step 2,
    masked-LM training of everything; classification fine-tunes from two encoders, one per seed each.

    A head-only step runs the encoder forward only (``FORWARD_SHARE``) and the vocabulary projection
    forward and backward to its input (two thirds of its training cost: its weight, tied to the frozen
    embeddings, gets no gradient), against ``MLM_HEAD_FACTOR`` for a full step.
    """
    train = rotten_tomatoes_lengths("train", p["max_train_samples"])
    validation = rotten_tomatoes_lengths("validation", p["max_eval_samples"])
    test = rotten_tomatoes_lengths("test", p["max_eval_samples"])
    labelled = rotten_tomatoes_lengths("train", p["max_labelled_samples"])
    block = p["block_size"]
    blocks, validation_blocks = [block] * block_count(train, block), [block] * block_count(validation, block)
    held_out = inference_seconds(validation_blocks, head_factor=MLM_HEAD_FACTOR)
    head_share = (FORWARD_SHARE + (MLM_HEAD_FACTOR - 1) * 2 / 3) / MLM_HEAD_FACTOR
    runs = 2 * p["classify_seeds"]
    return [(f"step 1, the head alone, {p['head_steps']} steps of {BATCH_SIZE} blocks of {block}",
             train_seconds([block] * (p["head_steps"] * BATCH_SIZE), step_share=head_share,
                           head_factor=MLM_HEAD_FACTOR)),
            (f"step 2, masked-LM training, {len(blocks):,} blocks of {block}, {p['mlm_epochs']} epoch(s)",
             train_seconds(blocks, p["mlm_epochs"], head_factor=MLM_HEAD_FACTOR)),
            (f"held-out loss, {len(validation_blocks)} blocks, three models", 3 * held_out),
            (f"{runs} classification fine-tunes ({p['classify_seeds']} seeds, 2 encoders), {len(labelled):,} "
             "labelled reviews, 1 epoch, validation and test predictions, models",
             runs * _classification(labelled, validation + test, 1)),
            ("loading the masked-LM model", MODEL_LOAD_S)]


def _token_classification(p: dict[str, Any], extra: Sequence[tuple[str, Sequence[int]]] = ()) -> Parts:
    train = conll_lengths("train", p["max_train_samples"])
    test = conll_lengths("test", p["max_eval_samples"])
    return [(f"training, {len(train):,} sentences, {p['num_train_epochs']} epoch(s)",
             train_seconds(train, p["num_train_epochs"])),
            (f"test predictions, {len(test):,} sentences", inference_seconds(test)),
            *[(f"{label} predictions, {len(lengths):,} sentences", inference_seconds(lengths))
              for label, lengths in extra],
            ("loading the model", MODEL_LOAD_S)]


def named_entity_recognition(p: dict[str, Any]) -> Parts:
    """Lesson 05: two trainings on CoNLL-2003 (continuation pieces labelled I-, then ignored), the test split
    predicted in order by each model."""
    parts = _token_classification(p)
    return [*[(f"{part} (x2: inside, ignore)", seconds * 2) for part, seconds in parts[:-1]], parts[-1]]


def part_of_speech_tagging(p: dict[str, Any]) -> Parts:
    """Lesson 06: training on CoNLL-2003's POS tags; predictions on its test split and on pos_wsj."""
    import datasets

    from helpers.data import load_pos_wsj, subset

    wsj = load_pos_wsj()
    every = datasets.concatenate_datasets([wsj[split] for split in ("train", "validation", "test")])
    return _token_classification(p, [("WSJ", word_lengths(subset(every, p["max_eval_samples"])["tokens"]))])


def question_answering(p: dict[str, Any]) -> Parts:
    """Lesson 07: training on SQuAD windows; the validation windows predicted in order, then those of the
    unanswerable questions built from them (each question with another paragraph of its article)."""
    from helpers.data import load_squad, subset
    from helpers.question_answering import qa_eval_features, unanswerable_pairs

    window = (p["max_length"], p["stride"])
    train = qa_window_lengths("train", p["max_train_samples"], *window)
    valid = qa_window_lengths("validation", p["max_eval_samples"], *window, features=qa_eval_features)
    validation = load_squad()["validation"]
    twins, _ = unanswerable_pairs(subset(validation, p["max_eval_samples"]), validation)
    features = qa_eval_features(stand_in_tokenizer(), *window)
    other = [len(ids) for start in range(0, len(twins), 2000) for ids in features(twins[start:start + 2000])["input_ids"]]
    return [(f"training, {len(train):,} windows, {p['num_train_epochs']} epoch(s)",
             train_seconds(train, p["num_train_epochs"])),
            (f"validation predictions, {len(valid):,} windows", inference_seconds(valid)),
            (f"unanswerable questions' predictions, {len(other):,} windows", inference_seconds(other)),
            ("loading the model", MODEL_LOAD_S)]


ESTIMATORS: dict[str, Callable[[dict[str, Any]], Parts]] = {
    "01_supervised_classification": supervised_classification,
    "02_freezing_layers": freezing_layers,
    "03_few_shot_setfit": few_shot_setfit,
    "04_masked_language_modeling": masked_language_modeling,
    "05_named_entity_recognition": named_entity_recognition,
    "06_part_of_speech_tagging": part_of_speech_tagging,
    "07_question_answering": question_answering,
}


def lesson_estimate(name: str, **changes: Any) -> Parts:
    """The estimated parts of lesson ``name``'s ``full`` profile (with ``changes`` to its settings), in seconds."""
    from helpers.course.lessons import lesson

    if name not in ESTIMATORS:
        raise ValueError(f"No estimate for {name!r}; estimated lessons: {', '.join(ESTIMATORS)}.")
    return ESTIMATORS[name]({**lesson(name).profiles["full"], **changes})


def main() -> None:
    """Print the calibration and every lesson's estimate."""
    calibration = calibrate()
    print(f"throughput {calibration.tokens_per_s:,.0f} token units/s, spread {calibration.spread:.2f}")
    for row in calibration.rows:
        estimate = calibration.estimate(row.timing.name)
        print(f"  {row.timing.name} ({row.timing.what}): book {row.timing.seconds:,.0f} s, units {row.units:,.0f}, "
              f"alone {row.tokens_per_s:,.0f}/s, estimate {estimate:,.0f} s, ratio {estimate / row.timing.seconds:.2f}")
    for name in ESTIMATORS:
        parts = lesson_estimate(name)
        print(f"{name}: {sum(s for _, s in parts):,.0f} s = {sum(s for _, s in parts) / 60:.1f} min")
        for label, seconds in parts:
            print(f"  {seconds:8,.1f} s  {label}")


if __name__ == "__main__":
    main()
