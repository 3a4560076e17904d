"""The T4 estimator: its calibration reproduces the book's figures; estimates grow as they should."""

from __future__ import annotations

import pytest

from helpers.course import t4_estimate as t4

SENTENCES = [12, 30, 25, 48, 7, 19, 33, 61, 22, 15] * 40  # 400 made-up token lengths


@pytest.fixture(scope="module")
def calibration() -> t4.Calibration:
    return t4.calibrate()  # tokenizes the Rotten Tomatoes and CoNLL-2003 training splits


@pytest.mark.slow
@pytest.mark.parametrize("timing", t4.BOOK_TIMINGS, ids=lambda timing: timing.name)
def test_calibration_reproduces_each_book_figure_within_15_percent(calibration, timing):
    assert calibration.estimate(timing.name) == pytest.approx(timing.seconds, rel=0.15)


@pytest.mark.slow
def test_the_figures_agree_and_give_the_module_s_throughput(calibration):
    assert calibration.spread < 1.5
    assert calibration.tokens_per_s == pytest.approx(t4.T4_FP32_TOKENS_PER_S, rel=0.01)


def test_estimates_grow_with_examples_epochs_and_length():
    one = t4.train_seconds(SENTENCES)
    assert 0 < one < t4.train_seconds(SENTENCES * 2) < t4.train_seconds(SENTENCES * 4)
    assert t4.train_seconds(SENTENCES, 3) == pytest.approx(3 * one)
    assert t4.train_seconds([]) == 0
    by_length = [t4.train_seconds([length] * 160) for length in (16, 64, 128, 384)]
    assert by_length == sorted(by_length) and len(set(by_length)) == 4
    # attention: a 384-token window costs more than 3 windows of 128
    assert by_length[3] > 3 * by_length[2]
    assert t4.inference_seconds(SENTENCES) < t4.train_seconds(SENTENCES)
    assert t4.setfit_train_seconds(SENTENCES, 8) < t4.setfit_train_seconds(SENTENCES, 32)


def test_grouped_batches_pad_less_than_random_ones():
    def padded(order):
        return sum(n * length for n, length in t4.padded_batches(SENTENCES, order=order, pad_multiple=None))

    assert sum(SENTENCES) <= padded("sorted") <= padded("grouped") < padded("random")
    assert all(length % 8 == 0 for _, length in t4.padded_batches(SENTENCES))
    assert sum(n for n, _ in t4.padded_batches(SENTENCES, batch_size=7)) == len(SENTENCES)


def test_frozen_blocks_cost_a_share_of_a_step():
    assert t4.frozen_share(0) == pytest.approx(t4.FORWARD_SHARE)
    assert t4.frozen_share(12) == 1
    assert t4.frozen_share(3) < t4.frozen_share(9)


def test_a_forward_pass_costs_a_third_of_a_training_step():
    lengths = [40] * 64
    train = t4.train_seconds(lengths, batch_size=64, order="in_order")
    assert t4.inference_seconds(lengths) == pytest.approx(train / 3)


@pytest.mark.parametrize("call, message", [
    (lambda: t4.train_seconds(SENTENCES, -1), "epochs must be a whole number of at least 0, got -1"),
    (lambda: t4.train_seconds([12, -3]), "every length must be at least 1 token, got -3"),
    (lambda: t4.train_seconds(SENTENCES, batch_size=0), "batch_size must be a whole number of at least 1"),
    (lambda: t4.train_seconds([2.5]), "lengths must be a list of whole numbers"),
    (lambda: t4.inference_seconds(SENTENCES, order="shuffled"), "order must be one of random, grouped"),
    (lambda: t4.frozen_share(-1), "trainable_blocks must be a whole number of at least 0, got -1"),
    (lambda: t4.frozen_share(13), "trainable_blocks must be at most blocks"),
    (lambda: t4.setfit_train_seconds(SENTENCES, -4), "labelled must be a whole number of at least 1, got -4"),
    (lambda: t4.setfit_train_seconds(SENTENCES, 8, iterations=-20), "iterations must be a whole number"),
    (lambda: t4.block_count(SENTENCES, -128), "block_size must be a whole number of at least 1"),
    (lambda: t4.lesson_estimate("09_nothing"), "No estimate for '09_nothing'"),
])
def test_bad_input_raises_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_blocks_drop_each_chunk_s_remainder():
    assert t4.block_count([100] * 10, 128) == 7
    assert t4.block_count([100] * 10, 128, chunk=5) == 6
