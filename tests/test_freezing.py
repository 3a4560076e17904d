"""helpers.freezing on real MiniLM and MPNet weights and on small random-init BERT/DistilBERT configs.

The small configs (random weights, never called pretrained) only test parameter naming.
"""

from __future__ import annotations

import re

import pytest
from transformers import (
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    BertConfig,
    BertForSequenceClassification,
    BertModel,
    DistilBertConfig,
    DistilBertForSequenceClassification,
    DistilBertForTokenClassification,
)

from helpers import freezing
from helpers.course import offline_models

# Where each architecture keeps its blocks, spelled out independently of the module's regex.
BLOCK_PREFIX = {"bert": "bert.encoder.layer.", "distilbert": "distilbert.transformer.layer.",
                "mpnet": "mpnet.encoder.layer."}
FAST_MODELS = ["minilm_sequence", "minilm_token", "distilbert_sequence", "distilbert_token", "bert12_sequence"]


@pytest.fixture(scope="module")
def minilm_sequence():
    return AutoModelForSequenceClassification.from_pretrained(offline_models.minilm_dir(), num_labels=2)


@pytest.fixture(scope="module")
def minilm_token():
    return AutoModelForTokenClassification.from_pretrained(offline_models.minilm_dir(), num_labels=9)


@pytest.fixture(scope="module")
def mpnet_sequence():
    return AutoModelForSequenceClassification.from_pretrained(offline_models.mpnet_dir(), num_labels=2)


TINY_DISTILBERT = DistilBertConfig(n_layers=3, dim=32, hidden_dim=64, n_heads=2, vocab_size=100,
                                   max_position_embeddings=64)
TINY_BERT12 = BertConfig(num_hidden_layers=12, hidden_size=32, intermediate_size=64, num_attention_heads=2,
                         vocab_size=100, max_position_embeddings=64)


@pytest.fixture(scope="module")
def distilbert_sequence():
    return DistilBertForSequenceClassification(TINY_DISTILBERT)


@pytest.fixture(scope="module")
def distilbert_token():
    return DistilBertForTokenClassification(TINY_DISTILBERT)


@pytest.fixture(scope="module")
def bert12_sequence():
    """bert-base-cased's layout (12 blocks, pooler, classifier) at a tiny width."""
    return BertForSequenceClassification(TINY_BERT12)


def expected_frozen(model, through: int) -> set[str]:
    """Names freeze_blocks(through) must freeze: embeddings, blocks 0..through, MPNet's shared bias."""
    prefix = model.base_model_prefix
    blocks = tuple(f"{BLOCK_PREFIX[prefix]}{i}." for i in range(through + 1))
    return {name for name, _ in model.named_parameters()
            if name.startswith((f"{prefix}.embeddings.", *blocks))
            or name == "mpnet.encoder.relative_attention_bias.weight"}


def trainable_names(model) -> set[str]:
    return {name for name, param in model.named_parameters() if param.requires_grad}


def check_freeze_blocks(model, through: int) -> None:
    freezing.freeze_blocks(model, through)
    frozen = expected_frozen(model, through)
    assert trainable_names(model) == {name for name, _ in model.named_parameters()} - frozen
    params = dict(model.named_parameters())
    summary = freezing.trainable_summary(model)
    assert summary["total"] - summary["trainable"] == sum(params[name].numel() for name in frozen)
    assert summary["trainable_blocks"] == list(range(through + 1, freezing.num_blocks(model)))
    assert not summary["embeddings_trainable"] and summary["head_trainable"]


@pytest.mark.parametrize("name,block", [
    ("bert.encoder.layer.10.output.dense.bias", 10),
    ("distilbert.transformer.layer.2.ffn.lin1.weight", 2),
    ("encoder.layer.0.attention.self.query.weight", 0),
    ("mpnet.encoder.relative_attention_bias.weight", None),
    ("bert.embeddings.word_embeddings.weight", None),
    ("bert.pooler.dense.weight", None),
    ("classifier.out_proj.weight", None),
])
def test_block_index_from_name(name, block):
    assert freezing.block_index(name) == block


@pytest.mark.parametrize("fixture,blocks", [("minilm_sequence", 6), ("minilm_token", 6),
                                            ("distilbert_sequence", 3), ("bert12_sequence", 12)])
def test_num_blocks(request, fixture, blocks):
    model = request.getfixturevalue(fixture)
    assert freezing.num_blocks(model) == blocks == model.config.num_hidden_layers


@pytest.mark.parametrize("fixture,head", [
    ("minilm_sequence", {"classifier.weight", "classifier.bias"}),
    ("minilm_token", {"classifier.weight", "classifier.bias"}),
    ("distilbert_sequence", {"pre_classifier.weight", "pre_classifier.bias", "classifier.weight", "classifier.bias"}),
    ("distilbert_token", {"classifier.weight", "classifier.bias"}),
    ("bert12_sequence", {"classifier.weight", "classifier.bias"}),
])
def test_head_only_leaves_exactly_the_head_trainable(request, fixture, head):
    model = request.getfixturevalue(fixture)
    freezing.freeze_all_but_head(model)
    assert trainable_names(model) == head
    summary = freezing.trainable_summary(model)
    assert summary["trainable"] == sum(p.numel() for n, p in model.named_parameters() if n in head)
    assert summary["trainable_blocks"] == [] and summary["head_trainable"]
    assert not summary["embeddings_trainable"] and not summary["pooler_trainable"]


@pytest.mark.parametrize("fixture", FAST_MODELS)
def test_freeze_blocks_freezes_exactly_embeddings_and_blocks_through_k(request, fixture):
    model = request.getfixturevalue(fixture)
    for through in range(freezing.num_blocks(model)):
        check_freeze_blocks(model, through)


def test_books_blocks_0_to_9_on_a_12_block_bert(bert12_sequence, capsys):
    model = bert12_sequence
    freezing.freeze_blocks(model, 9)
    summary = freezing.trainable_summary(model)
    assert summary["trainable_blocks"] == [10, 11] and summary["pooler_trainable"] and summary["head_trainable"]
    assert capsys.readouterr().out.endswith("— blocks 10-11, pooler, head\n")
    # The book froze parameters with index < 165 and called 165 the start of block 11: it is block 10.
    names = [name for name, _ in model.named_parameters()]
    assert names[165].startswith("bert.encoder.layer.10.")
    assert trainable_names(model) == set(names[165:])


@pytest.mark.slow
def test_mpnet_head_only_and_blocks_0_to_9(mpnet_sequence):
    model = mpnet_sequence
    assert freezing.num_blocks(model) == 12
    freezing.freeze_all_but_head(model)
    assert trainable_names(model) == {"classifier.dense.weight", "classifier.dense.bias",
                                      "classifier.out_proj.weight", "classifier.out_proj.bias"}
    check_freeze_blocks(model, 9)
    assert not dict(model.named_parameters())["mpnet.encoder.relative_attention_bias.weight"].requires_grad
    check_freeze_blocks(model, 0)


@pytest.mark.parametrize("fixture,through", [("minilm_sequence", -1), ("minilm_sequence", 6),
                                             ("bert12_sequence", 12), ("distilbert_sequence", 3)])
def test_out_of_range_block_raises(request, fixture, through):
    model = request.getfixturevalue(fixture)
    count = freezing.num_blocks(model)
    with pytest.raises(ValueError, match=re.escape(
            f"block {through} is out of range: this model has {count} encoder blocks, numbered 0..{count - 1}")):
        freezing.freeze_blocks(model, through)


def test_repeated_calls_do_not_accumulate(minilm_sequence):
    model = minilm_sequence
    freezing.freeze_blocks(model, 4)
    freezing.freeze_blocks(model, 1)
    assert trainable_names(model) == {n for n, _ in model.named_parameters()} - expected_frozen(model, 1)
    freezing.freeze_all_but_head(model)
    freezing.freeze_blocks(model, 2)
    assert freezing.trainable_summary(model)["trainable_blocks"] == [3, 4, 5]


def test_parameter_table_counts_every_parameter_once_per_part_in_the_models_order(minilm_sequence):
    table = freezing.parameter_table(minilm_sequence)
    assert list(table) == ["embeddings", *(f"block {k}" for k in range(6)), "pooler", "head"]
    assert sum(table.values()) == sum(param.numel() for param in minilm_sequence.parameters())
    assert table["head"] == 384 * 2 + 2


def test_summary_numbers_add_up_and_the_line_says_them(minilm_sequence, capsys):
    model = minilm_sequence
    freezing.freeze_blocks(model, 3)
    summary = freezing.trainable_summary(model)
    params = dict(model.named_parameters())
    block_size = sum(p.numel() for n, p in params.items() if n.startswith("bert.encoder.layer.4."))
    pooler_and_head = sum(p.numel() for n, p in params.items() if n.startswith(("bert.pooler.", "classifier.")))
    assert summary["trainable"] == 2 * block_size + pooler_and_head
    assert summary["total"] == sum(p.numel() for p in params.values()) == 22_713_986
    assert summary["share"] == pytest.approx(summary["trainable"] / summary["total"])
    assert capsys.readouterr().out == (f"trainable: {summary['trainable']:,} / 22,713,986 parameters "
                                       f"({summary['share']:.1%}) — blocks 4-5, pooler, head\n")


def test_summary_names_parts_set_by_hand(minilm_sequence, capsys):
    model = minilm_sequence
    for name, param in model.named_parameters():
        param.requires_grad = name.startswith(("bert.embeddings.", "bert.encoder.layer.0.",
                                               "bert.encoder.layer.1.", "bert.encoder.layer.2.",
                                               "bert.encoder.layer.4."))
    model.bert.encoder.layer[1].output.dense.bias.requires_grad = False  # block 1 only partly trainable
    summary = freezing.trainable_summary(model)
    assert summary["trainable_blocks"] == [0, 2, 4] and summary["embeddings_trainable"]
    assert not summary["head_trainable"]
    assert capsys.readouterr().out.endswith("— embeddings, blocks 0, 2, 4\n")
    freezing.freeze_all_but_head(model)
    for param in model.parameters():
        param.requires_grad = False
    assert freezing.trainable_summary(model)["trainable"] == 0
    assert capsys.readouterr().out.endswith("(0.0%) — nothing\n")


def test_a_model_without_a_head_cannot_be_frozen_to_its_head():
    with pytest.raises(ValueError, match="no task head"):
        freezing.freeze_all_but_head(BertModel(TINY_BERT12))


def test_a_plain_module_is_rejected():
    import torch

    with pytest.raises(TypeError, match="expected a transformers model"):
        freezing.num_blocks(torch.nn.Linear(2, 2))
