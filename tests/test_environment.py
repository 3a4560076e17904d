"""setup(), Hub detection, plots and the environment report."""

import os
import socket

import pytest

from helpers import environment, plots
from helpers.course import hub


@pytest.fixture
def fresh_hub_check(monkeypatch):
    """Forget the cached Hub answer (and restore the environment afterwards)."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    hub.hub_online.cache_clear()
    yield
    hub.hub_online.cache_clear()


def test_unreachable_hub_sets_offline_mode(fresh_hub_check, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("no route")

    monkeypatch.setattr(socket, "create_connection", refuse)
    assert hub.hub_online() is False
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_reachable_hub_leaves_online_mode(fresh_hub_check, monkeypatch):
    class Connection:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: Connection())
    assert hub.hub_online() is True
    assert "HF_HUB_OFFLINE" not in os.environ


def test_user_offline_setting_is_respected_without_network(fresh_hub_check, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: pytest.fail("must not connect"))
    assert hub.hub_online() is False


def test_setup_prints_settings_versions_device_and_hub(capsys):
    settings = environment.setup("00_course_tour", profile="cpu", seed=3)
    printed = capsys.readouterr().out
    assert "Settings for 00_course_tour:" in printed and "(parameter)" in printed
    assert "Environment: torch 2.13.0" in printed and "device cpu; Hub offline" in printed
    assert (settings.profile, settings.seed) == ("cpu", 3)
    assert "WARNING" not in printed


def test_setup_warns_for_the_full_profile_without_gpu(capsys):
    environment.setup("00_course_tour", profile="full")
    assert "WARNING: profile 'full'" in capsys.readouterr().out


def test_setup_rejects_an_unknown_lesson_and_parameter():
    with pytest.raises(ValueError, match="No lesson '99_nothing'; the lessons are 00_course_tour"):
        environment.setup("99_nothing")
    with pytest.raises(ValueError, match="has no parameter"):
        environment.setup("01_supervised_classification", profile="smoke", epochs=3)


def test_seed_everything_repeats_random_draws():
    import numpy as np
    import torch

    environment.seed_everything(11)
    first = (torch.rand(3).tolist(), np.random.rand(3).tolist())
    environment.seed_everything(11)
    assert (torch.rand(3).tolist(), np.random.rand(3).tolist()) == first
    environment.free_memory()


def test_confusion_matrix_plot_annotates_counts():
    figure = plots.plot_confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], ["neg", "pos"])
    texts = sorted(t.get_text() for t in figure.axes[0].texts)
    assert texts == ["1", "1", "1", "2"]
    with pytest.raises(ValueError, match="must pair up"):
        plots.plot_confusion_matrix([0, 1], [0], ["neg", "pos"])


def test_environment_report_lists_every_source(capsys):
    environment.report()
    printed = capsys.readouterr().out
    for name in ("rotten_tomatoes", "conll2003", "squad", "pos_wsj", "all-MiniLM-L6-v2", "all-mpnet-base-v2"):
        assert name in printed
    assert "offline copies from PyPI" in printed  # this machine has no Hub
