import json

import pytest

from helpers.course import runlog


def test_record_merges_notes_and_writes_the_record_file(monkeypatch, tmp_path, capsys):
    target = tmp_path / "record.json"
    monkeypatch.setenv(runlog.RECORD_ENV, str(target))
    monkeypatch.setattr(runlog, "_notes", {"model": "m", "profile": "cpu"})
    runlog.record({"test_f1": 0.812345}, profile="smoke", train_s=3.2)
    written = json.loads(target.read_text())
    assert written == {"model": "m", "profile": "smoke", "train_s": 3.2, "scores": {"test_f1": 0.8123}}
    assert '"test_f1": 0.8123' in capsys.readouterr().out


def test_record_without_runner_only_prints(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv(runlog.RECORD_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    runlog.record({"accuracy": 1})
    assert list(tmp_path.iterdir()) == [] and "Recorded" in capsys.readouterr().out


def test_record_rejects_scores_that_are_not_numbers():
    with pytest.raises(TypeError, match="scores must be numbers"):
        runlog.record({"test_f1": "0.8"})
