"""Lesson 08, the review quiz: the question bank, the quiz in text mode, its checks, and the lesson graded three ways."""

import subprocess
import sys
from collections import Counter

import pytest

from helpers.checks import review_quiz as checks
from helpers.checks.core import ExerciseFailed
from helpers.course.lessons import LESSONS
from helpers.quiz import LETTERS, Quiz, problems
from helpers.quiz_questions import QUESTIONS, Question, right, wrong

TAUGHT = [name for name in LESSONS if name != "08_review_quiz"]


# --- the question bank ---------------------------------------------------------------------


def test_every_question_has_exactly_one_correct_answer():
    for question in QUESTIONS:
        assert [choice.correct for choice in question.choices].count(True) == 1, question.id


def test_every_question_names_an_existing_lesson_and_every_lesson_has_questions():
    assert {question.lesson for question in QUESTIONS} <= set(TAUGHT)
    per_lesson = Counter(question.lesson for question in QUESTIONS)
    assert set(per_lesson) == set(TAUGHT), set(TAUGHT) - set(per_lesson)


def test_the_bank_is_large_and_well_formed():
    assert len(QUESTIONS) >= 24
    assert len({q.id for q in QUESTIONS}) == len(QUESTIONS)
    assert {q.id: problems(q) for q in QUESTIONS if problems(q)} == {}


def test_the_flashcards_mistakes_are_wrong_answers_with_the_correction():
    setfit = next(q for q in QUESTIONS if q.id == "setfit-steps")
    head_only = next(c for c in setfit.choices if "Only a classification head" in c.text)
    assert not head_only.correct
    assert "contrastively" in setfit.answer.text and "encoder" in setfit.answer.text
    pairs = next(q for q in QUESTIONS if q.id == "setfit-pair-count")
    assert pairs.answer.text.startswith("1,280")


@pytest.mark.parametrize("bad, problem", [
    (Question("x", "09_missing", "Which?", (right("a", "e"), wrong("b", "e"), wrong("c", "e"))), "not a lesson"),
    (Question("x", "01_supervised_classification", "Which.", (right("a", "e"), wrong("b", "e"), wrong("c", "e"))),
     "ending with '?'"),
    (Question("x", "01_supervised_classification", "Which?", (right("a", "e"), right("b", "e"), wrong("c", "e"))),
     "2 correct choices"),
    (Question("x", "01_supervised_classification", "Which?", (wrong("a", "e"), wrong("b", "e"), wrong("c", "e"))),
     "0 correct choices"),
    (Question("x", "01_supervised_classification", "Which?", (right("a", "e"), wrong("b", "e"))), "2 choices"),
    (Question("x", "01_supervised_classification", "Which?", (right("a", "e"), wrong("A", "e"), wrong("c", "e"))),
     "same text"),
    (Question("x", "01_supervised_classification", "Which?", (right("a", "e"), wrong("b", " "), wrong("c", "e"))),
     "an explanation"),
    ("a question", "expected a helpers.quiz_questions.Question"),
])
def test_problems_name_what_is_wrong(bad, problem):
    assert any(problem in found for found in problems(bad)), problems(bad)


# --- the quiz --------------------------------------------------------------------------------


def letter_of(quiz: Quiz, question: Question, correct: bool) -> str:
    return next(letter for letter, c in zip(LETTERS, quiz.choices(question)) if c.correct == correct)


def test_the_first_answer_counts_and_the_feedback_explains():
    quiz = Quiz()
    setfit = next(q for q in quiz.questions if q.id == "setfit-steps")
    feedback = quiz.answer("setfit-steps", letter_of(quiz, setfit, correct=False).upper())
    assert not feedback.correct and feedback.headline == "Not quite."
    assert setfit.answer.text in feedback.text and "0 correct out of 1 answered (43 questions)" in feedback.text
    again = quiz.answer("setfit-steps", letter_of(quiz, setfit, correct=True))
    assert again.correct and not again.counted and "only your first answer counts" in again.text
    assert quiz.results() == {"setfit-steps": False}
    offline = quiz.questions[0]
    assert quiz.answer(offline.id, letter_of(quiz, offline, correct=True)).score.startswith(
        "Score: 1 correct out of 2 answered")


def test_choices_are_shuffled_the_same_way_every_time():
    orders = {tuple(c.text for c in Quiz().choices(q)) for q in QUESTIONS[:1] for _ in range(3)}
    assert len(orders) == 1
    positions = Counter(Quiz().choices(q).index(q.answer) for q in QUESTIONS)
    assert max(positions.values()) <= len(QUESTIONS) * 0.4  # no letter is a good blind guess


def test_bad_answers_and_selections_are_refused_clearly():
    quiz = Quiz(lessons=["00_course_tour"])
    assert [q.lesson for q in quiz.questions] == ["00_course_tour"]
    with pytest.raises(ValueError, match="one of the letters a, b, c, d"):
        quiz.answer("offline-sources", "e")
    with pytest.raises(KeyError, match="No question 'setfit-steps' in this quiz"):
        quiz.answer("setfit-steps", "a")
    with pytest.raises(ValueError, match="No questions for lessons"):
        Quiz(lessons=["3_setfit"])
    with pytest.raises(ValueError, match="exactly one must be right"):
        Quiz([Question("x", "00_course_tour", "Which?", (wrong("a", "e"), wrong("b", "e"), wrong("c", "e")))])
    twice = QUESTIONS[0]
    with pytest.raises(ValueError, match="share an id"):
        Quiz([twice, twice])


def test_outside_a_notebook_the_quiz_is_plain_text():
    code = "from helpers.quiz import Quiz; Quiz(lessons=['07_question_answering']).show()"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.startswith("Review quiz: 7 questions. Answer in code")
    assert "quiz.answer('qa-as-token-classification', 'a')" in shown
    assert "[qa-stride, lesson 07_question_answering] A context is longer than max_length." in shown
    assert shown.count("   d) ") == 7


# --- the checks ------------------------------------------------------------------------------


def weakest_by_share(results, questions):
    lesson_of = {q.id: q.lesson for q in questions}
    shares = {}
    for lesson in sorted({lesson_of[i] for i in results}):
        answers = [ok for i, ok in results.items() if lesson_of[i] == lesson]
        shares[lesson] = sum(answers) / len(answers)
    return min(shares, key=shares.get) if shares else None


def weakest_by_wrong_count(results, questions):
    lesson_of = {q.id: q.lesson for q in questions}
    wrong_answers = Counter(lesson_of[i] for i, ok in results.items() if not ok)
    return max(sorted(wrong_answers), key=wrong_answers.get) if wrong_answers else min(
        (lesson_of[i] for i in results), default=None)


def test_weakest_lesson(grading):
    checks.weakest_lesson(weakest_by_share)
    with pytest.raises(ExerciseFailed, match="Replace the ..."):
        checks.weakest_lesson(...)
    with pytest.raises(ExerciseFailed, match="returns ..."):
        checks.weakest_lesson(lambda results, questions: ...)
    with pytest.raises(ExerciseFailed, match="not the most wrong answers"):
        checks.weakest_lesson(weakest_by_wrong_count)
    with pytest.raises(ExerciseFailed, match="no answers yet"):
        checks.weakest_lesson(lambda results, questions: weakest_by_share(results, questions) or "00_course_tour")
    assert [entry["passed"] for entry in grading()] == [True, False, False, False, False]


def test_my_question(grading):
    mine = Question("my-own", "04_masked_language_modeling", "What is masked?",
                    (right("15 % of the tokens", "yes"), wrong("all tokens", "no"), wrong("none", "no")))
    checks.my_question(mine)
    with pytest.raises(ExerciseFailed, match="Replace the ..."):
        checks.my_question(...)
    with pytest.raises(ExerciseFailed, match="already in the quiz"):
        checks.my_question(QUESTIONS[3])
    with pytest.raises(ExerciseFailed, match="exactly one must be right"):
        checks.my_question(Question("mine", "04_masked_language_modeling", "What?",
                                    (right("a", "e"), right("b", "e"), wrong("c", "e"))))
    assert grading()[0]["passed"] and "lesson 04_masked_language_modeling with 3 choices" in grading()[0]["message"]


@pytest.mark.slow
def test_graded_three_ways(graded_three_ways):
    """Picking the lesson with the highest share fails the weakest-lesson exercise and no other."""
    grades = graded_three_ways("08_review_quiz", "08-11", "return min(tally", "return max(tally")
    assert [(r.exercise, r.passed) for r in grades["one wrong"].results] == [
        ("weakest_lesson", False), ("my_question", True)]
