"""Earning a micro-credential in a real browser, the first half of the path: sign up, confirm
the e-mail from the mail that arrived, enrol from the public page, take the quiz with the
keyboard only, and see the credential that its pass earned. Every page on the way is checked
with axe-core.

The organisation, its published achievement, the quiz and the offering (whose requirements
are all of: the quiz) are made through the services before the browser starts; the pages do
the rest, as a learner would.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from credstack.domain.achievements import AchievementSpec
from credstack.domain.offerings import Offering, OfferingMode
from credstack.domain.requirements import parse_requirements
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import create_issuer
from credstack.services.offerings import OfferingChanges, create_offering
from credstack.services.quiz_files import parse_quiz
from credstack.services.quizzes import create_quiz
from tests.browser.conftest import Site
from tests.browser.support import assert_accessible, choose_with_keyboard, link_in_mail, tab_to

pytestmark = pytest.mark.browser

ORG = "acme"
ACHIEVEMENT = "lab-safety"
QUIZ_ID = "lab-safety-quiz"
PASSWORD = "correct horse battery"
EMAIL = "lea@learner.example"
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


def offer_quiz_course(deps: ServiceDeps) -> Offering:
    """An organisation with a published achievement, its quiz, and an open offering whose
    requirements are all of: that quiz."""
    create_issuer(deps, id=ORG, name="Acme Academy", country_code="NL")
    spec = AchievementSpec(
        id=ACHIEVEMENT,
        name="Lab Safety Basics",
        description="Working safely in a teaching laboratory.",
        criteria="Pass the lab safety quiz.",
    )
    save_achievement(deps, ORG, spec)
    publish_achievement(deps, ACHIEVEMENT)
    _, quiz = parse_quiz(QUIZ)
    create_quiz(deps, ORG, quiz, actor="test-setup")
    requirements = parse_requirements(
        {"id": "all", "all_of": [{"id": "quiz", "quiz": QUIZ_ID, "title": "Lab safety check"}]}
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


def test_a_learner_signs_up_enrols_passes_the_quiz_and_gets_the_credential(
    site: Site, page: Page
) -> None:
    offering = offer_quiz_course(site.deps)
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
    assert_accessible(page, what="My learning, enrolled")

    expect(enrolment).to_contain_text("Requirements: 0 of 1 done")
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

    # passing was the whole of the requirements: the credential is issued within the request
    page.goto("/learning")
    enrolment = page.get_by_role("region", name=re.compile("Lab Safety Basics"))
    expect(enrolment.get_by_role("link", name="awarded: see the credential")).to_be_visible()
    assert_accessible(page, what="My learning, awarded")
    page.goto("/account")
    expect(page.get_by_role("link", name=ACHIEVEMENT)).to_be_visible()
    assert_accessible(page, what="the account page")
    earned = site.inbox.wait(2)[1]
    assert earned["To"] == EMAIL
    assert "You have earned" in str(earned["Subject"])
