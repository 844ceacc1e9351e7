"""The quiz rules, pure: what a definition may say, how a paper is drawn, how it is graded."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from credstack.domain.errors import InvalidInputError
from credstack.domain.quiz_attempts import (
    GRACE,
    PaperQuestion,
    deadline_of,
    draw_paper,
    grade,
    is_late,
    parse_number,
)
from credstack.domain.quizzes import QuizSpec, normalise_text
from credstack.services.quiz_files import dump_quiz, parse_quiz

SINGLE = {
    "id": "capital",
    "kind": "single",
    "prompt": "The capital of Austria?",
    "options": [{"id": "a", "text": "Graz"}, {"id": "b", "text": "Vienna"}],
    "answer": "b",
}
MULTIPLE = {
    "id": "primes",
    "kind": "multiple",
    "prompt": "Which are prime?",
    "points": 2,
    "options": [
        {"id": "two", "text": "2"},
        {"id": "four", "text": "4"},
        {"id": "five", "text": "5"},
    ],
    "answers": ["two", "five"],
}
NUMERIC = {"id": "pi", "kind": "numeric", "prompt": "Pi to two places?", "value": 3.14,
           "tolerance": 0.005}  # fmt: skip
RANGE = {"id": "year", "kind": "numeric", "prompt": "A year of the 1990s?", "minimum": 1990,
         "maximum": 1999}  # fmt: skip
TEXT = {"id": "colour", "kind": "text", "prompt": "The colour of the sky?",
        "accepted": ["Blue", "light blue"]}  # fmt: skip


def quiz(**fields: Any) -> QuizSpec:
    base: dict[str, Any] = {
        "id": "basics",
        "title": "Basics",
        "pass_mark": 50,
        "questions": [SINGLE, MULTIPLE, NUMERIC, RANGE, TEXT],
    }
    return QuizSpec.model_validate({**base, **fields})


def answers_for(spec: QuizSpec, paper: tuple[PaperQuestion, ...]) -> dict[int, list[str]]:
    """The right answers, by position on ``paper``."""
    right = {
        "capital": lambda e: [f"o{e.option_ids.index('b')}"],
        "primes": lambda e: [f"o{e.option_ids.index('two')}", f"o{e.option_ids.index('five')}"],
        "pi": lambda e: ["3,14"],
        "year": lambda e: ["1995"],
        "colour": lambda e: ["  LIGHT   Blue "],
    }
    return {i: right[e.question_id](e) for i, e in enumerate(paper)}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pass_mark": 101}, "pass_mark"),
        ({"pass_mark": -1}, "pass_mark"),
        ({"questions": [{**SINGLE, "answer": "c"}]}, "answer 'c' is not one of the options"),
        ({"questions": [{**SINGLE, "answer": None, "answers": ["a", "b"]}]}, "single question"),
        ({"questions": [{**MULTIPLE, "answers": ["two", "nine"]}]}, "['nine'] are not options"),
        ({"questions": [{**MULTIPLE, "answers": []}]}, "at least one right answer"),
        ({"questions": [{**SINGLE, "options": [{"id": "a", "text": "x"}]}]}, "two options"),
        ({"questions": [{**NUMERIC, "minimum": 1}]}, "value (and tolerance) or a range"),
        ({"questions": [{**RANGE, "minimum": 2000}]}, "minimum is above maximum"),
        ({"questions": [{**TEXT, "accepted": [" "]}]}, "non-blank accepted answer"),
        ({"questions": [{**TEXT, "answer": "x"}]}, "a text question has no answer"),
        ({"questions": [SINGLE, SINGLE]}, "question ids must be unique"),
        ({"questions": []}, "give the questions, or pools"),
        (
            {"pools": [{"id": "p", "draw": 3, "questions": [SINGLE, TEXT]}], "questions": []},
            "pool 'p' draws 3 questions but has 2",
        ),
        ({"attempt_limit": 0}, "attempt_limit"),
        ({"time_limit_minutes": 0}, "time_limit_minutes"),
        ({"id": "Not A Slug"}, "quiz id"),
    ],
)
def test_a_definition_that_breaks_a_rule_names_it(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        quiz(**change)


def test_a_file_error_names_the_field_path() -> None:
    text = "id: basics\ntitle: B\npass_mark: 50\nquestions:\n  - id: q\n    kind: single\n" \
        "    prompt: P\n    options: [{id: a, text: A}, {id: b, text: B}]\n"  # fmt: skip
    with pytest.raises(InvalidInputError, match=r"^questions\.0: a single question needs answer"):
        parse_quiz(text)
    with pytest.raises(InvalidInputError, match="line 1"):
        parse_quiz("{", media="json")
    with pytest.raises(InvalidInputError, match="expected a mapping"):
        parse_quiz("- a list")


def test_yaml_out_reads_back_the_same() -> None:
    spec = quiz(pools=[{"id": "p", "draw": 2, "questions": [SINGLE, TEXT, NUMERIC]}], questions=[])
    issuer, again = parse_quiz(dump_quiz(spec, "acme"))
    assert issuer == "acme"
    assert again == spec


def test_each_kind_is_graded_and_the_mark_decides() -> None:
    spec = quiz()
    paper = draw_paper(spec, 7)
    right = answers_for(spec, paper)
    outcome = grade(spec, paper, right)
    assert (outcome.score, outcome.max_score, outcome.passed) == (6, 6, True)
    assert outcome.percent == 100.0
    nothing = grade(spec, paper, {})
    assert (nothing.score, nothing.passed) == (0, False)
    assert [q.correct for q in nothing.questions] == [False] * 5


def test_multiple_choice_is_all_or_nothing() -> None:
    spec = quiz(questions=[MULTIPLE])
    paper = draw_paper(spec, 1)
    options = paper[0].option_ids
    only_one = {0: [f"o{options.index('two')}"]}
    everything = {0: ["o0", "o1", "o2"]}
    assert grade(spec, paper, only_one).score == 0
    assert grade(spec, paper, everything).score == 0


@pytest.mark.parametrize(
    ("question", "answer", "right"),
    [
        (NUMERIC, "3.144", True),
        (NUMERIC, "3.146", False),
        (NUMERIC, "3,14", True),
        (NUMERIC, "pi", False),
        (NUMERIC, "nan", False),
        (NUMERIC, "inf", False),
        (RANGE, "1990", True),
        (RANGE, "1999.5", False),
        (TEXT, "blue", True),
        (TEXT, "Light\tBLUE", True),
        (TEXT, "", False),
        ({**TEXT, "exact": True}, "blue", False),
        ({**TEXT, "exact": True}, "Blue", True),
        (SINGLE, "o1", True),
        (SINGLE, "o9", False),
        (SINGLE, "b", False),
    ],
)
def test_answers_of_each_kind(question: dict[str, Any], answer: str, right: bool) -> None:
    spec = quiz(questions=[question])
    paper = draw_paper(spec, 3)
    assert grade(spec, paper, {0: [answer]}).questions[0].correct is right


def test_two_answers_to_a_single_choice_or_a_text_earn_nothing() -> None:
    spec = quiz(questions=[SINGLE, TEXT])
    paper = draw_paper(spec, 3)
    assert grade(spec, paper, {0: ["o0", "o1"], 1: ["blue", "blue"]}).score == 0


def test_a_mark_met_exactly_passes() -> None:
    questions = [{**SINGLE, "id": f"q{i}"} for i in range(10)]
    spec = quiz(questions=questions, pass_mark=70)
    paper = draw_paper(spec, 1)
    seven = {i: ["o1"] for i in range(7)}
    assert grade(spec, paper, seven).passed
    six = {i: ["o1"] for i in range(6)}
    assert not grade(spec, paper, six).passed


def test_time_rules() -> None:
    start = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    assert deadline_of(quiz(), start) is None
    deadline = deadline_of(quiz(time_limit_minutes=20), start)
    assert deadline == start + dt.timedelta(minutes=20)
    assert not is_late(deadline, deadline + GRACE)
    assert is_late(deadline, deadline + GRACE + dt.timedelta(seconds=1))
    assert not is_late(None, start + dt.timedelta(days=999))


def test_numbers_are_read_as_people_write_them() -> None:
    assert parse_number(" 1 000,5 ") == 1000.5
    assert parse_number("1e3") == 1000.0
    assert parse_number("1,000.5") is None
    assert parse_number("") is None
    assert normalise_text("  Hello   World ") == "hello world"


QUESTIONS = [{**SINGLE, "id": f"s{i}"} for i in range(6)] + [
    {**MULTIPLE, "id": f"m{i}"} for i in range(4)
]


@st.composite
def pooled_quizzes(draw: st.DrawFn) -> QuizSpec:
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    pools, taken = [], 0
    for n, size in enumerate(sizes):
        questions = QUESTIONS[taken : taken + size]
        taken += size
        if not questions:
            break
        pools.append({"id": f"p{n}", "draw": draw(st.integers(1, len(questions))),
                      "questions": questions})  # fmt: skip
    return quiz(
        questions=[],
        pools=pools,
        shuffle_questions=draw(st.booleans()),
        shuffle_options=draw(st.booleans()),
    )


def _right(spec: QuizSpec, paper: tuple[PaperQuestion, ...]) -> dict[int, list[str]]:
    return {
        i: [f"o{e.option_ids.index(o)}" for o in spec.question(e.question_id).right_options]
        for i, e in enumerate(paper)
    }


@given(spec=pooled_quizzes(), seed=st.integers(0, 2**31 - 1))
def test_a_paper_has_the_pool_sizes_asked_and_is_the_same_for_a_seed(
    spec: QuizSpec, seed: int
) -> None:
    paper = draw_paper(spec, seed)
    assert paper == draw_paper(spec, seed)
    assert len(paper) == spec.paper_size
    assert len({e.question_id for e in paper}) == len(paper)
    for pool in spec.all_pools:
        ids = {q.id for q in pool.questions}
        assert sum(e.question_id in ids for e in paper) == pool.size
    for entry in paper:
        question = spec.question(entry.question_id)
        assert sorted(entry.option_ids) == sorted(o.id for o in question.options)


@given(spec=pooled_quizzes(), seed=st.integers(0, 2**31 - 1),
       picks=st.lists(st.booleans(), min_size=10, max_size=10))  # fmt: skip
def test_shuffling_never_changes_grading(spec: QuizSpec, seed: int, picks: list[bool]) -> None:
    """The same questions answered the same way score the same, whichever order they and
    their options were shown in; and grading twice gives the same outcome."""
    chosen = {q["id"] for q, pick in zip(QUESTIONS, picks, strict=True) if pick}
    unshuffled = spec.model_copy(update={"shuffle_questions": False, "shuffle_options": False})
    outcomes = []
    for version in (spec, unshuffled):
        paper = draw_paper(version, seed)
        answers = {
            i: v for i, v in _right(version, paper).items() if paper[i].question_id in chosen
        }
        outcome = grade(version, paper, answers)
        assert outcome == grade(version, paper, answers)
        outcomes.append(outcome)
    shuffled, plain = outcomes
    assert (shuffled.score, shuffled.max_score, shuffled.passed) == (
        plain.score, plain.max_score, plain.passed
    )  # fmt: skip
    by_id = {q.question_id: q.correct for q in plain.questions}
    assert {q.question_id: q.correct for q in shuffled.questions} == by_id
    assert all(by_id[q] == (q in chosen) for q in by_id)


def test_the_readme_example_is_a_valid_quiz() -> None:
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Quizzes", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None
    issuer, spec = parse_quiz(block.group(1))
    assert issuer == "demo-academy"
    assert spec.paper_size == 4
    assert spec.question("exits").right_options == {"door", "stairs"}
