"""The browser helpers must be able to fail: axe-core finds a known fault on a page made for
it, in either colour scheme, and ``tab_to`` refuses a control the keyboard cannot reach."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.support import assert_accessible, choose_with_keyboard, tab_to

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title>
<style>{style}</style></head><body><main><h1>A form</h1>{body}</main></body></html>"""


@pytest.fixture
def blank(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_a_page_without_faults_passes(blank: Page) -> None:
    body = '<p><label for="a">Name</label> <input id="a"></p><p><button>Send</button></p>'
    blank.set_content(PAGE.format(style="", body=body))
    assert_accessible(blank)


def test_an_unlabelled_field_fails_with_the_rule_and_the_element(blank: Page) -> None:
    blank.set_content(PAGE.format(style="", body='<p><input id="nameless"></p>'))
    expected = r"(?s)1 serious.*- label \(critical, light scheme\).*#nameless"
    with pytest.raises(AssertionError, match=expected):
        assert_accessible(blank, what="the test page")


def test_poor_contrast_in_the_dark_scheme_alone_fails(blank: Page) -> None:
    style = "@media (prefers-color-scheme: dark) { body { background: #111; color: #333 } }"
    blank.set_content(PAGE.format(style=style, body="<p>Hard to read at night</p>"))
    with pytest.raises(AssertionError, match="color-contrast") as failure:
        assert_accessible(blank)
    assert "dark scheme" in str(failure.value)
    assert "light scheme" not in str(failure.value)


def test_the_keyboard_reaches_and_ticks_controls_but_not_one_out_of_the_tab_order(
    blank: Page,
) -> None:
    body = (
        '<fieldset><legend>Pick</legend><input type="radio" name="r" id="r1" value="1">'
        '<label for="r1">One</label><input type="radio" name="r" id="r2" value="2">'
        '<label for="r2">Two</label></fieldset>'
        '<p><input type="checkbox" id="c"><label for="c">Tick</label></p>'
        '<p><button tabindex="-1">Unreachable</button></p>'
    )
    blank.set_content(PAGE.format(style="", body=body))
    choose_with_keyboard(blank, blank.get_by_label("Two"))
    choose_with_keyboard(blank, blank.get_by_label("Tick"))
    assert not blank.get_by_label("One").is_checked()
    with pytest.raises(AssertionError, match="never reached"):
        tab_to(blank, blank.get_by_role("button", name="Unreachable"))
