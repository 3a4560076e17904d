"""helpers.training: the precision each GPU gets, and predict_in_order, which gives evaluation rows back in order."""

from types import SimpleNamespace

import datasets
import numpy as np
import pytest
import torch
from transformers import (AutoModelForSequenceClassification, AutoTokenizer, BertConfig, DataCollatorWithPadding,
                          Trainer, TrainerCallback, TrainingArguments)

from helpers import models, training
from helpers.course.offline_models import MINILM


def test_predict_in_order_keeps_the_datasets_order(tmp_path):
    tokenizer = AutoTokenizer.from_pretrained(models.resolve_model(MINILM))
    texts = [" ".join(["word"] * length) for length in np.random.default_rng(0).integers(1, 40, size=96)]
    data = datasets.Dataset.from_dict({"text": texts, "label": list(range(96))})
    tokens = data.map(lambda batch: tokenizer(batch["text"]), batched=True, remove_columns=["text"])
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, num_labels=96)
    args = TrainingArguments(output_dir=str(tmp_path), per_device_eval_batch_size=8, report_to="none",
                             **training.fast_settings(gpu=False))
    trainer = Trainer(model=AutoModelForSequenceClassification.from_config(config), args=args,
                      data_collator=DataCollatorWithPadding(tokenizer), processing_class=tokenizer)
    grouped = trainer.predict(tokens).label_ids
    assert sorted(grouped.tolist()) == list(range(96)) and grouped.tolist() != list(range(96)), \
        "transformers no longer reorders evaluation rows: predict_in_order may be unnecessary"
    in_order = training.predict_in_order(trainer, tokens)
    assert in_order.label_ids.tolist() == list(range(96))
    position = {label: i for i, label in enumerate(grouped.tolist())}
    assert np.allclose(in_order.predictions, trainer.predict(tokens).predictions[[position[i] for i in range(96)]],
                       atol=1e-5)


@pytest.mark.parametrize("gpu, capability, expected", [
    ("T4 (Colab)", (7, 5), {"bf16": False, "fp16": True, "tf32": False}),
    ("V100", (7, 0), {"bf16": False, "fp16": True, "tf32": False}),
    ("A100", (8, 0), {"bf16": True, "fp16": False, "tf32": True}),
    ("H100", (9, 0), {"bf16": True, "fp16": False, "tf32": True}),
])
def test_each_gpu_gets_the_precision_it_computes_natively(monkeypatch, gpu, capability, expected):
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)  # as on a T4
    settings = training.fast_settings(gpu=True)
    assert {key: settings[key] for key in expected} == expected, gpu
    assert training.pad_multiple(gpu=True) == 8


@pytest.fixture
def cpu_only(monkeypatch):
    """No GPU and no Mac GPU; the CPU's bf16 support is each test's to fake."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.delenv("COURSE_CPU_BF16", raising=False)
    return monkeypatch


def test_a_cpu_without_native_bf16_trains_in_fp32_without_padding(cpu_only):
    cpu_only.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: False)  # emulated only, as on older CPUs
    assert not training.cpu_computes_bf16()
    settings = training.fast_settings()
    assert settings == {"train_sampling_strategy": "group_by_length", "logging_nan_inf_filter": False}
    assert training.pad_multiple() is None


def test_a_cpu_with_native_bf16_trains_in_bf16_unless_switched_off(cpu_only, tmp_path):
    cpu_only.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True)  # AVX512-BF16 or AMX
    settings = training.fast_settings()
    assert {key: settings.get(key) for key in ("bf16", "fp16", "tf32", "use_cpu")} == {
        "bf16": True, "fp16": None, "tf32": None, "use_cpu": True}
    assert TrainingArguments(output_dir=str(tmp_path), report_to="none", **settings).bf16  # accepted without a GPU
    cpu_only.setenv("COURSE_CPU_BF16", "0")
    assert not training.cpu_computes_bf16() and "bf16" not in training.fast_settings()


def autocasts_in_bf16() -> bool:
    """True inside a context where matrix products on the CPU run in bf16."""
    return torch.is_autocast_enabled("cpu") and (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.bfloat16


def test_setfits_training_context_follows_the_same_test(cpu_only):
    """lesson 03 trains SetFit inside cpu_bf16_autocast(): bf16 exactly where fast_settings() gives bf16."""
    cpu_only.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True)
    with training.cpu_bf16_autocast():
        assert autocasts_in_bf16()
    assert not autocasts_in_bf16()
    cpu_only.setenv("COURSE_CPU_BF16", "0")
    with training.cpu_bf16_autocast():
        assert not autocasts_in_bf16()
    cpu_only.delenv("COURSE_CPU_BF16")
    cpu_only.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: False)
    with training.cpu_bf16_autocast():
        assert not autocasts_in_bf16()
    cpu_only.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True)
    cpu_only.setattr("helpers.training.has_gpu", lambda: True)  # a GPU: setfit's own settings, nothing added
    with training.cpu_bf16_autocast():
        assert not autocasts_in_bf16()


def test_a_mac_gpu_keeps_its_device(cpu_only):
    cpu_only.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True)
    cpu_only.setattr(torch.backends.mps, "is_available", lambda: True)
    assert "use_cpu" not in training.fast_settings() and not training.cpu_computes_bf16()


class StopAfterFirstEpoch(TrainerCallback):
    """Stops training at the end of epoch 1, after its checkpoint: a Colab session that ended."""

    def on_epoch_end(self, args, state, control, **kwargs):
        control.should_training_stop = True
        control.should_save = True
        return control


def tiny_trainer(folder, epochs: int = 2, stop: bool = False) -> Trainer:
    """A 1-layer classifier (random weights: this tests checkpoints, not learning) over 64 rows, batch 16."""
    tokenizer = AutoTokenizer.from_pretrained(models.resolve_model(MINILM))
    data = datasets.Dataset.from_dict({"text": [f"row {i}" for i in range(64)], "label": [i % 2 for i in range(64)]})
    tokens = data.map(lambda batch: tokenizer(batch["text"]), batched=True, remove_columns=["text"])
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, num_labels=2)
    args = TrainingArguments(output_dir=str(folder), per_device_train_batch_size=16, num_train_epochs=epochs,
                             report_to="none", disable_tqdm=True, **training.checkpoint_settings(),
                             **training.fast_settings(gpu=False))
    return Trainer(model=AutoModelForSequenceClassification.from_config(config), args=args, train_dataset=tokens,
                   data_collator=DataCollatorWithPadding(tokenizer), callbacks=[StopAfterFirstEpoch()] if stop else [])


@pytest.mark.slow
def test_a_stopped_training_resumes_from_its_last_checkpoint(tmp_path, capsys):
    settings = SimpleNamespace(profile="full", seed=42, num_train_epochs=2)
    stopped = training.train_resuming(tiny_trainer(tmp_path, stop=True), settings)
    assert stopped.global_step == 4 and (tmp_path / "checkpoint-4").is_dir()
    assert "Resuming" not in capsys.readouterr().out
    resumed = training.train_resuming(tiny_trainer(tmp_path), settings)
    assert f"Resuming from {tmp_path / 'checkpoint-4'}: 4 of 8 training steps are done and skipped" \
        in capsys.readouterr().out
    assert resumed.global_step == 8 and [p.name for p in tmp_path.glob("checkpoint-*")] == ["checkpoint-8"]
    other = SimpleNamespace(profile="full", seed=7, num_train_epochs=2)
    again = training.train_resuming(tiny_trainer(tmp_path), other)
    assert f"The checkpoints in {tmp_path} were made with other settings" in capsys.readouterr().out
    assert again.global_step == 8


def test_finished_trainings_come_back_only_with_the_same_settings(tmp_path, capsys):
    settings = SimpleNamespace(output_dir=str(tmp_path), seed=42, sweep_points=None)
    runs = training.FinishedTrainings(settings, "sweep")
    runs[0], runs[12] = (0.61, 20.5), (0.85, 101.0)
    assert capsys.readouterr().out == ""
    again = training.FinishedTrainings(settings, "sweep")
    assert again == {0: (0.61, 20.5), 12: (0.85, 101.0)}
    assert capsys.readouterr().out.startswith(f"Read 2 training(s) finished earlier with these settings from "
                                              f"{tmp_path / 'sweep.json'}: 0, 12")
    other = training.FinishedTrainings(SimpleNamespace(output_dir=str(tmp_path), seed=7, sweep_points=None), "sweep")
    assert other == {} and capsys.readouterr().out == ""
