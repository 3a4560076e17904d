"""helpers.training: the fast recipe reorders evaluation rows; predict_in_order gives them back in order."""

import datasets
import numpy as np
from transformers import (AutoModelForSequenceClassification, AutoTokenizer, BertConfig, DataCollatorWithPadding,
                          Trainer, TrainingArguments)

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
