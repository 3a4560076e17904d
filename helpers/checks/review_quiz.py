"""Checks for lesson 08, the review quiz."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from helpers.checks.core import Verdict, exercise, is_unsolved
from helpers.quiz import problems
from helpers.quiz_questions import QUESTIONS, Question, right, wrong


def _question(id: str, lesson: str) -> Question:
    """A well-formed question for the check's own cases; only its id and lesson matter."""
    return Question(id, lesson, f"Question {id}?", (right("yes", "because"), wrong("no", "because not"),
                                                    wrong("maybe", "not either")))


BANK = [_question("a1", "01_supervised_classification"), _question("a2", "01_supervised_classification"),
        _question("b1", "02_freezing_layers"), _question("c1", "03_few_shot_setfit"),
        *[_question(f"d{i}", "04_masked_language_modeling") for i in range(10)]]

# (results, the weakest lesson, what a wrong answer probably did)
CASES: list[tuple[dict[str, bool], str | None, str]] = [
    ({"a1": True, "b1": False}, "02_freezing_layers", "the lesson with a wrong answer"),
    ({"a1": True, "a2": False, "b1": True}, "01_supervised_classification", "a share, not a single answer"),
    ({**{f"d{i}": i >= 2 for i in range(10)}, "c1": False}, "03_few_shot_setfit",
     "the lowest share of right answers (1 wrong of 1), not the most wrong answers (2 of 10)"),
    ({"a1": False, "c1": False, "b1": False}, "01_supervised_classification",
     "ties go to the earliest lesson"),
    ({"a1": True, "b1": True, "a2": True}, "01_supervised_classification",
     "all right: the earliest lesson, by the tie rule"),
    ({}, None, "no answers yet: None"),
]


@exercise
def weakest_lesson(function: Callable[[dict[str, bool], list[Question]], Any]) -> Verdict:
    """The lesson with the lowest share of right first answers (ties: the earliest lesson)."""
    if is_unsolved(function) or not callable(function):
        return False, "Replace the ... with your function weakest_lesson(results, questions)."
    for results, expected, hint in CASES:
        got = function(dict(results), list(BANK))
        if got is ...:
            return False, "Your function returns ...: replace the `return ...` with your code."
        if got != expected:
            return False, f"For the results {results} the answer is {expected!r}, not {got!r}: {hint}."
    return True, "Right on every case, including ties and lessons with no answers."


@exercise
def my_question(question: Any) -> Verdict:
    """A new, well-formed question about one lesson of the course."""
    if is_unsolved(question):
        return False, "Replace the ... with your own Question(id, lesson, prompt, choices)."
    found = problems(question)
    if found:
        return False, "Your question is not ready: " + "; ".join(found) + "."
    taken = {q.id for q in QUESTIONS}
    if question.id in taken or question.prompt.strip().lower() in {q.prompt.lower() for q in QUESTIONS}:
        return False, "That question is already in the quiz: write one of your own, with a new id."
    return True, (f"A question about lesson {question.lesson} with {len(question.choices)} choices, one right; "
                  "send it to your teacher to add to the quiz.")
