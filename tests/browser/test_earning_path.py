"""Earning a micro-credential in a real browser, the whole path: sign up, confirm the e-mail
from the mail that arrived, enrol from the public page, take the quiz with the keyboard only,
submit evidence (text and a file), the assessor scores it against the rubric and accepts it,
and the credential appears, citing both. Every page on the way is checked with axe-core.

The organisation, its published achievement, the quiz, the rubric, an assessor and the
offering (whose requirements are all of: the quiz and the evidence) are made through the
services before the browser starts; the pages do the rest, as the learner and the assessor
would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from credstack.domain.accounts import Role
from credstack.domain.achievements import AchievementSpec
from credstack.domain.offerings import Offering, OfferingMode
from credstack.domain.requirements import parse_requirements
from credstack.services.accounts import create_user, set_role
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import create_issuer
from credstack.services.offerings import OfferingChanges, create_offering
from credstack.services.quiz_files import parse_quiz
from credstack.services.quizzes import create_quiz
from credstack.services.rubric_files import parse_rubric
from credstack.services.rubrics import create_rubric
from tests.browser.conftest import Site
from tests.browser.support import assert_accessible, choose_with_keyboard, link_in_mail, tab_to

pytestmark = pytest.mark.browser

ORG = "acme"
ACHIEVEMENT = "lab-safety"
QUIZ_ID = "lab-safety-quiz"
PASSWORD = "correct horse battery"
EMAIL = "lea@learner.example"
ASSESSOR = "ash@acme.example"
RUBRIC = """
id: lab-report
title: Lab report rubric
instructions: Describe one experiment you ran safely, and attach your risk assessment.
accepts: [text, file]
file_types: [pdf]
criteria:
  - id: method
    title: Safe method
    levels:
      - {id: unsafe, title: Unsafe, points: 0}
      - {id: safe, title: Safe, points: 2}
  - id: risks
    title: Risks named
    levels:
      - {id: few, title: Few, points: 0}
      - {id: all, title: All, points: 2}
pass_points: 4
"""
#: the smallest file a PDF reader (and the type check) takes for one
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
QUIZ = f"""
id: {QUIZ_ID}
title: Lab safety check
instructions: Answer every question; three of four right is a pass.
pass_mark: 75
questions:
  - id: goggles
    kind: single
    prompt: When do you wear goggles?
    options:
      - {{id: never, text: Never}}
      - {{id: friday, text: On Fridays}}
      - {{id: always, text: Always in the lab}}
    answer: always
  - id: exits
    kind: multiple
    prompt: Which are exits?
    options:
      - {{id: door, text: The door}}
      - {{id: window, text: The window}}
      - {{id: hatch, text: The hatch}}
    answers: [door, hatch]
  - id: boil
    kind: numeric
    prompt: Water boils at how many degrees Celsius?
    value: 100
  - id: alarm
    kind: text
    prompt: What colour is the alarm button?
    accepted: [red]
"""


def offer_course(deps: ServiceDeps) -> Offering:
    """An organisation with a published achievement, its quiz and rubric, an assessor, and an
    open offering whose requirements are all of: the quiz and the evidence."""
    create_issuer(deps, id=ORG, name="Acme Academy", country_code="NL")
    spec = AchievementSpec(
        id=ACHIEVEMENT,
        name="Lab Safety Basics",
        description="Working safely in a teaching laboratory.",
        criteria="Pass the lab safety quiz and have a lab report accepted.",
    )
    save_achievement(deps, ORG, spec)
    publish_achievement(deps, ACHIEVEMENT)
    _, quiz = parse_quiz(QUIZ)
    create_quiz(deps, ORG, quiz, actor="test-setup")
    create_rubric(deps, ORG, parse_rubric(RUBRIC)[1], actor="test-setup")
    create_user(deps, email=ASSESSOR, name="Ash Assessor", password=PASSWORD)
    set_role(deps, email=ASSESSOR, issuer_id=ORG, role=Role.ASSESSOR)
    requirements = parse_requirements(
        {
            "id": "all",
            "all_of": [
                {"id": "quiz", "quiz": QUIZ_ID, "title": "Lab safety check"},
                {"id": "report", "evidence": "lab-report", "title": "Lab report"},
            ],
        }
    )
    changes = OfferingChanges(
        mode=OfferingMode.OPEN, title="Spring 2027", requirements=requirements
    )
    return create_offering(deps, ORG, ACHIEVEMENT, changes)


def sign_up_and_confirm(page: Page, site: Site, *, name: str, email: str) -> None:
    """Sign up on the site, open the link of the confirmation mail and confirm: the learner
    is then signed in, on "My learning"."""
    page.goto("/signup")
    assert_accessible(page, what="the sign-up page")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password (at least 10 characters)").fill(PASSWORD)
    page.get_by_label("The password again").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("status")).to_contain_text(f"We sent a message to {email}")
    assert_accessible(page, what="the sign-up page, mail sent")

    page.goto(link_in_mail(site.inbox, r"/signup/confirm$"))
    assert_accessible(page, what="the confirmation page")
    page.get_by_role("button", name="Confirm my e-mail address and sign in").click()
    expect(page).to_have_url(re.compile(r"/learning$"))
    expect(page.get_by_role("banner")).to_contain_text(name)


def test_a_learner_enrols_passes_the_quiz_submits_evidence_and_gets_the_credential(
    site: Site, page: Page, new_page: Callable[[], Page], tmp_path: Path
) -> None:
    offering = offer_course(site.deps)
    sign_up_and_confirm(page, site, name="Lea Learner", email=EMAIL)

    page.goto(f"/achievements/{ACHIEVEMENT}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lab Safety Basics")
    assert_accessible(page, what="the achievement's public page")
    page.get_by_role("button", name="Enrol").click()
    expect(page).to_have_url(re.compile(f"/offerings/{offering.id}/enrol\\??$"))
    assert_accessible(page, what="the enrol page")
    page.get_by_role("button", name="Enrol").click()

    expect(page).to_have_url(re.compile(r"/learning$"))
    enrolment = page.get_by_role("region", name=re.compile("Lab Safety Basics"))
    expect(enrolment).to_contain_text("enrolled")
    expect(enrolment).to_contain_text("not awarded yet")
    expect(enrolment).to_contain_text("Requirements: 0 of 2 done")
    assert_accessible(page, what="My learning, enrolled")

    take_the_quiz(page, enrolment)
    page.goto("/learning")
    expect(enrolment).to_contain_text("Requirements: 1 of 2 done")
    expect(enrolment).to_contain_text("not awarded yet")  # the evidence is still to come

    submission_url = submit_evidence(page, enrolment, tmp_path)
    accept_as_assessor(new_page(), submission_url)

    # the assessor's Accept met the last requirement: the credential is issued
    page.goto("/learning")
    expect(enrolment).to_contain_text("Requirements: 2 of 2 done, all met")
    link = enrolment.get_by_role("link", name="awarded: see the credential")
    expect(link).to_be_visible()
    assert_accessible(page, what="My learning, awarded")
    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lab Safety Basics")
    assert_accessible(page, what="the credential's page")
    credential = json.loads(
        page.request.get(page.url, headers={"accept": "application/json"}).text()
    )
    assert [e["name"] for e in credential["evidence"]] == ["Quiz: Lab safety check", "Lab report"]
    assert credential["evidence"][1]["narrative"] == "Clear and safe."
    page.goto("/account")
    expect(page.get_by_role("link", name=ACHIEVEMENT)).to_be_visible()
    earned = site.inbox.wait(2)[1]
    assert earned["To"] == EMAIL
    assert "You have earned" in str(earned["Subject"])


def take_the_quiz(page: Page, enrolment: Locator) -> None:
    """From "My learning": open the quiz by its link and pass it with the keyboard only."""
    enrolment.get_by_role("link", name="Lab safety check").click()
    expect(page).to_have_url(re.compile(f"/quizzes/{ORG}/{QUIZ_ID}$"))
    assert_accessible(page, what="the quiz page")
    start = page.get_by_role("button", name="Start an attempt")
    tab_to(page, start)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Submit your answers")).to_be_visible()
    assert_accessible(page, what="the quiz player")

    # keyboard only from here to the result: Tab, the arrow keys, Space, typing and Enter
    choose_with_keyboard(page, page.get_by_label("Always in the lab"))
    choose_with_keyboard(page, page.get_by_label("The door"))
    choose_with_keyboard(page, page.get_by_label("The hatch"))
    boil = page.get_by_label("Your answer (a number)")
    tab_to(page, boil)
    page.keyboard.type("100")
    alarm = page.get_by_label("Your answer", exact=True)
    tab_to(page, alarm)
    page.keyboard.type("Red")
    tab_to(page, page.get_by_role("button", name="Submit your answers"))
    page.keyboard.press("Enter")

    verdict = page.get_by_role("status")
    expect(verdict).to_contain_text("Passed")
    expect(verdict).to_contain_text("4 of 4 points")
    assert_accessible(page, what="the quiz result")


def submit_evidence(page: Page, enrolment: Locator, tmp_path: Path) -> str:
    """From "My learning": open the evidence form, write the text, attach the PDF, submit.
    Returns the address of the submission's page."""
    enrolment.get_by_role("link", name="Lab report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lab report")
    assert_accessible(page, what="the evidence form")
    page.get_by_label("Text").fill("I titrated acid into base behind the shield, goggles on.")
    report = tmp_path / "risk-assessment.pdf"
    report.write_bytes(PDF)
    page.get_by_label("File").set_input_files(report)
    page.get_by_role("button", name="Submit for review").click()
    history = page.get_by_role("region", name="What you submitted")
    expect(history).to_contain_text("Version 1")
    expect(history).to_contain_text("waiting for review")
    assert_accessible(page, what="the evidence form, submitted")
    href = history.get_by_role("link", name="view it").get_attribute("href")
    assert href is not None
    return href


def accept_as_assessor(page: Page, submission_url: str) -> None:
    """The assessor signs in, finds the submission in the queue, scores it with the keyboard
    and accepts it."""
    page.goto("/login?next=/assess")
    page.get_by_label("E-mail").fill(ASSESSOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/assess")
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence to review")
    assert_accessible(page, what="the assessor's queue")
    queue = page.get_by_role("table")
    expect(queue).to_contain_text("Lea Learner")
    queue.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review: Lab report")
    assert submission_url.rsplit("/", 1)[-1] in page.url
    assert_accessible(page, what="the review page")
    expect(page.get_by_role("link", name=re.compile("risk-assessment.pdf"))).to_be_visible()
    choose_with_keyboard(page, page.get_by_label(re.compile(r"^Safe \(2 points\)")))
    choose_with_keyboard(page, page.get_by_label(re.compile(r"^All \(2 points\)")))
    page.get_by_label("Feedback for the learner").fill("Clear and safe.")
    review = page.url
    page.get_by_role("button", name="Accept").click()
    expect(page).to_have_url(re.compile(r"/assess$"))  # back to the queue: nothing waits now
    expect(page.get_by_text("0 submissions, oldest first.")).to_be_visible()
    page.goto(review)
    expect(page.get_by_text("Accepted on")).to_be_visible()
    assert_accessible(page, what="the review page, accepted")
