import pytest

from helpers.course import profiles
from helpers.course.config import GRADING_ENV
from helpers.course.lessons import LESSONS


def test_parameter_overrides_profile_and_is_marked(capsys):
    settings = profiles.resolve("01_supervised_classification", profile="smoke", seed=7,
                                max_train_samples=300)
    assert settings.profile == "smoke"
    assert settings.seed == 7
    assert settings.max_train_samples == 300
    assert settings.learning_rate == LESSONS["01_supervised_classification"].profiles["smoke"]["learning_rate"]
    printed = capsys.readouterr().out
    assert "max_train_samples" in printed and "300" in printed and "(parameter)" in printed


def test_auto_follows_the_environment_variable(monkeypatch):
    monkeypatch.setenv(profiles.PROFILE_ENV, "smoke")
    assert profiles.resolve("01_supervised_classification").profile == "smoke"


def test_auto_without_variable_is_cpu_on_a_cpu_machine(monkeypatch):
    monkeypatch.delenv(profiles.PROFILE_ENV, raising=False)
    monkeypatch.setattr(profiles, "has_gpu", lambda: False)
    assert profiles.pick_profile("auto") == "cpu"
    monkeypatch.setattr(profiles, "has_gpu", lambda: True)
    assert profiles.pick_profile("auto") == "full"


def test_full_profile_is_the_books_recipe():
    full = LESSONS["01_supervised_classification"].profiles["full"]
    assert full == {"model_id": "bert-base-cased", "max_train_samples": None, "max_eval_samples": None,
                    "num_train_epochs": 1, "learning_rate": 2e-5, "batch_size": 16}


def test_output_dir_is_under_runs():
    settings = profiles.resolve("01_supervised_classification", profile="cpu")
    assert "/runs/01_supervised_classification-cpu" in settings.output_dir


@pytest.mark.parametrize("bad", ["fast", "gpu", ""])
def test_unknown_profile_is_rejected(bad):
    with pytest.raises(ValueError, match="smoke, cpu, full"):
        profiles.pick_profile(bad)


def test_unknown_parameter_and_notebook_are_rejected():
    with pytest.raises(ValueError, match="no parameter"):
        profiles.resolve("01_supervised_classification", profile="smoke", epochs=3)
    with pytest.raises(ValueError, match="No lesson"):
        profiles.resolve("99_missing", profile="smoke")


def test_tiny_keeps_the_full_shape_with_a_few_batches_of_data(monkeypatch, capsys):
    monkeypatch.setenv(profiles.TINY_ENV, "1")
    setfit = profiles.resolve("03_few_shot_setfit", profile="full")
    full = LESSONS["03_few_shot_setfit"].profiles["full"]
    assert setfit.model_id == full["model_id"] and setfit.curve_sizes == full["curve_sizes"] == [4, 8, 16, 32]
    assert (setfit.num_iterations, setfit.num_epochs, setfit.max_eval_samples) == (1, 1, 32)
    sweep = profiles.resolve("02_freezing_layers", profile="full", max_eval_samples=100)
    assert (sweep.max_train_samples, sweep.max_eval_samples, sweep.sweep_points) == (32, 100, None)
    assert sweep.output_dir.endswith("/runs/02_freezing_layers-full-tiny")
    assert "(tiny)" in capsys.readouterr().out
    smoke = profiles.resolve("01_supervised_classification", profile="smoke")
    assert smoke.max_train_samples == 32  # a cap: never more than the profile asks
    monkeypatch.setenv(profiles.TINY_ENV, "0")
    assert profiles.resolve("01_supervised_classification", profile="smoke").max_train_samples == 256


def test_grading_uses_the_graders_profile_whatever_the_notebook_asks(monkeypatch, capsys):
    monkeypatch.setenv(profiles.PROFILE_ENV, "smoke")
    monkeypatch.setenv(GRADING_ENV, "1")
    assert profiles.resolve("01_supervised_classification", profile="full").profile == "smoke"
    assert "Grading runs profile 'smoke': the notebook's profile='full' is not used." in capsys.readouterr().out
    monkeypatch.setenv(GRADING_ENV, "")
    assert profiles.resolve("01_supervised_classification", profile="full").profile == "full"
