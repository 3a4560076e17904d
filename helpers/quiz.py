"""The review quiz of lesson 08: multiple choice with immediate feedback and a running score.

In JupyterLab or Colab the quiz is a set of ipywidgets: click a letter, read whether it was
right and why. Where widgets cannot be shown (a plain terminal, a notebook run by papermill or
nbval, a viewer that shows only text) the same quiz is plain text, answered in code with
:meth:`Quiz.answer`. A question counts once: its first answer is the one scored.
"""

from __future__ import annotations

import html
import random
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from helpers.quiz_questions import QUESTIONS, Choice, Question

LETTERS = "abcdefgh"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"  # the MIME type of a widget in a notebook


def problems(question: Question) -> list[str]:
    """What is wrong with a question (an empty list if nothing): the rules every quiz question follows."""
    from helpers.course.lessons import LESSONS

    found = []
    if not isinstance(question, Question):
        return [f"expected a helpers.quiz_questions.Question, got {type(question).__name__}"]
    if question.lesson not in LESSONS:
        found.append(f"lesson {question.lesson!r} is not a lesson of the course ({', '.join(LESSONS)})")
    if not question.id.strip():
        found.append("the id is empty")
    if not question.prompt.strip().endswith("?"):
        found.append("the prompt should be a question ending with '?'")
    if not 3 <= len(question.choices) <= len(LETTERS):
        found.append(f"{len(question.choices)} choices: give between 3 and {len(LETTERS)}")
    if not all(isinstance(choice, Choice) for choice in question.choices):
        found.append("every choice must be a Choice (made with right(...) or wrong(...))")
        return found
    if sum(choice.correct for choice in question.choices) != 1:
        found.append(f"{sum(c.correct for c in question.choices)} correct choices: exactly one must be right")
    if len({choice.text.strip().lower() for choice in question.choices}) != len(question.choices):
        found.append("two choices have the same text")
    if not all(choice.text.strip() and choice.explanation.strip() for choice in question.choices):
        found.append("every choice needs a text and an explanation")
    return found


@dataclass(frozen=True, repr=False)
class Feedback:
    """The verdict on one answer; a notebook shows it as its text."""

    question: Question
    correct: bool
    counted: bool
    headline: str
    details: tuple[str, ...]
    score: str

    @property
    def text(self) -> str:
        """The feedback as plain text: verdict, explanations, running score."""
        return "\n".join([f"{self.headline} {self.details[0]}", *self.details[1:], self.score])

    def html(self) -> str:
        """The feedback for the widget (without the score, which the quiz shows at its top)."""
        colour = "green" if self.correct else "firebrick"
        lines = [f"<b style='color:{colour}'>{html.escape(self.headline)}</b> {html.escape(self.details[0])}",
                 *map(html.escape, self.details[1:])]
        return "<br>".join(lines)

    def __repr__(self) -> str:
        return self.text


class Quiz:
    """A set of questions, their choices in a fixed shuffled order, and the answers given so far."""

    def __init__(self, questions: Iterable[Question] = QUESTIONS, lessons: Iterable[str] | None = None) -> None:
        chosen = [q for q in questions if lessons is None or q.lesson in set(lessons)]
        if not chosen:
            raise ValueError(f"No questions for lessons {list(lessons or [])}: name lessons like '03_few_shot_setfit'.")
        for question in chosen:
            found = problems(question)
            if found:
                raise ValueError(f"Question {question.id!r}: {'; '.join(found)}.")
        ids = [q.id for q in chosen]
        if len(set(ids)) != len(ids):
            raise ValueError(f"Two questions share an id: {sorted({i for i in ids if ids.count(i) > 1})}.")
        self.questions = chosen
        self._by_id = {q.id: q for q in chosen}
        self._first_answers: dict[str, bool] = {}

    def choices(self, question: Question) -> list[Choice]:
        """The question's choices in the order shown, the same in every run.

        The wrong choices are shuffled; the right one's place comes from a checksum of the id, which
        spreads the right answers evenly over the letters.
        """
        order = [choice for choice in question.choices if not choice.correct]
        random.Random(question.id).shuffle(order)
        order.insert(zlib.crc32(question.id.encode()) % len(question.choices), question.answer)
        return order

    def answer(self, question_id: str, letter: str) -> Feedback:
        """Answer one question with the letter of a choice as shown; return the feedback."""
        if question_id not in self._by_id:
            raise KeyError(f"No question {question_id!r} in this quiz; the ids are printed with each question.")
        question = self._by_id[question_id]
        shown = self.choices(question)
        letters = LETTERS[: len(shown)]
        if not isinstance(letter, str) or letter.strip().lower() not in letters:
            raise ValueError(f"Answer {question_id!r} with one of the letters {', '.join(letters)}, not {letter!r}.")
        picked = shown[letters.index(letter.strip().lower())]
        counted = question_id not in self._first_answers
        if counted:
            self._first_answers[question_id] = picked.correct
        right_letter = letters[shown.index(question.answer)]
        if picked.correct:
            headline, details = f"Correct ({right_letter}).", [picked.explanation]
        else:
            headline = "Not quite."
            details = [picked.explanation,
                       f"The answer is {right_letter}) {question.answer.text} {question.answer.explanation}"]
        if not counted:
            details.append("(Already answered: only your first answer counts in the score.)")
        return Feedback(question, picked.correct, counted, headline, tuple(details), self.score_line())

    def results(self) -> dict[str, bool]:
        """Whether the first answer to each answered question was right, by question id."""
        return dict(self._first_answers)

    def score_line(self) -> str:
        """The running score in words."""
        right = sum(self._first_answers.values())
        return f"Score: {right} correct out of {len(self._first_answers)} answered ({self._count()})."

    def _count(self) -> str:
        return f"{len(self.questions)} question{'s' if len(self.questions) > 1 else ''}"

    def question_text(self, number: int, question: Question) -> str:
        """One question as plain text, with its id and lesson."""
        lines = [f"{number}. [{question.id}, lesson {question.lesson}] {question.prompt}"]
        lines += [f"   {letter}) {choice.text}" for letter, choice in zip(LETTERS, self.choices(question))]
        return "\n".join(lines)

    def text(self) -> str:
        """The whole quiz as plain text, with how to answer it in code."""
        parts = [f"Review quiz: {self._count()}. Answer in code, one question at a time:",
                 f"    quiz.answer({self.questions[0].id!r}, 'a')", ""]
        parts += [self.question_text(number, q) + "\n" for number, q in enumerate(self.questions, 1)]
        return "\n".join(parts)

    def show(self) -> None:
        """Display the quiz: widgets in a notebook that can show them, plain text elsewhere."""
        if not widgets_can_show():
            print(self.text())
            return
        from IPython.display import display

        # The bundle ipywidgets 7 and 8 both display (version 2.0 of the widget view), with the
        # quiz as text for what cannot show widgets: papermill, nbval, a text-only viewer.
        view = {"version_major": 2, "version_minor": 0, "model_id": self._widgets().model_id}
        display({WIDGET_VIEW: view, "text/plain": self.text()}, raw=True)

    def _widgets(self):  # -> ipywidgets.VBox
        import ipywidgets as widgets

        score = widgets.HTML(f"<b>{html.escape(self.score_line())}</b>")
        blocks = [score]
        for number, question in enumerate(self.questions, 1):
            blocks.append(self._question_widget(number, question, score))
        return widgets.VBox(blocks, layout=widgets.Layout(max_width="900px"))

    def _question_widget(self, number: int, question: Question, score):  # -> ipywidgets.VBox
        import ipywidgets as widgets

        shown = self.choices(question)
        heading = (f"<b>{number}. {html.escape(question.prompt)}</b><br><small>lesson {question.lesson} · "
                   f"id {question.id}</small>")
        options = "<br>".join(f"<b>{letter})</b> {html.escape(c.text)}" for letter, c in zip(LETTERS, shown))
        buttons = [widgets.Button(description=letter, layout=widgets.Layout(width="48px"))
                   for letter in LETTERS[: len(shown)]]
        feedback = widgets.HTML()

        def on_click(button) -> None:
            result = self.answer(question.id, button.description)
            for other in buttons:
                other.disabled = True
            button.button_style = "success" if result.correct else "danger"
            feedback.value = result.html()
            score.value = f"<b>{html.escape(self.score_line())}</b>"

        for button in buttons:
            button.on_click(on_click)
        return widgets.VBox([widgets.HTML(heading), widgets.HTML(options), widgets.HBox(buttons), feedback],
                            layout=widgets.Layout(margin="12px 0"))


def widgets_can_show() -> bool:
    """True inside a Jupyter kernel with ipywidgets installed; False in a terminal or a script."""
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None
