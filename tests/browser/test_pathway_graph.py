"""The pathway picture in a real browser: inlined in a minimal page, Chromium draws it
without a console error, axe-core finds no serious or critical fault (light and dark
schemes), and every line of text stays inside its box with the fonts Chromium really uses
(the renderer only estimates text widths)."""

from __future__ import annotations

import datetime as dt
import decimal
import html

import pytest
from playwright.sync_api import Browser

from credstack.domain.holdings import Credit, CreditUnit, HeldCredential, HoldingSource
from credstack.domain.pathways import evaluate_pathway, parse_pathway_data
from credstack.web.pathway_graph import pathway_svg
from tests.browser.support import assert_accessible

pytestmark = pytest.mark.browser

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
PATHWAY = {
    "id": "data-analyst",
    "name": "Professional Certificate in Data Analysis <&> データ分析",
    "target": "data-analyst",
    "requirements": {"id": "certificate", "title": "Professional Certificate", "all_of": [
        {"id": "foundations", "title": "Data foundations", "credential": "data-foundations"},
        {"id": "visualisation", "title": "Data visualisation: charts, dashboards and maps "
         "for an audience that reads them quickly", "credential": "data-visualisation"},
        {"id": "two", "title": "Two of three projects", "at_least": 2, "of": [
            {"id": "p1", "credential": "project-one"},
            {"id": "p2", "title": "プロジェクト二：データ分析の基礎と応用と実践",
             "credential": "project-two"},
            {"id": "p3", "credential": "project-three"}]},
        {"id": "electives", "title": "Electives worth 5 ECTS", "min_eqf": 5,
         "credits": {"min": 5, "unit": "ECTS"},
         "from": ["statistical-modelling", "open-data-literacy", "data-ethics"]},
    ]},
    "within": {"years": 3},
}  # fmt: skip


def credential(cid: str, achievement: str, ects: int, source: HoldingSource) -> HeldCredential:
    credits = (Credit(decimal.Decimal(ects), CreditUnit.ECTS),)
    at = NOW - dt.timedelta(days=60)
    return HeldCredential(
        cid, source, frozenset({achievement}), "acme", at, credits, 6, True, f"{achievement} 2026"
    )


def test_the_picture_draws_cleanly_is_accessible_and_its_text_fits(browser: Browser) -> None:
    held = [
        credential("f", "data-foundations", 2, HoldingSource.AWARD),
        credential("o", "open-data-literacy", 3, HoldingSource.RECOGNISED),
        credential("p", "project-one", 1, HoldingSource.AWARD),
    ]
    progress = evaluate_pathway(parse_pathway_data(PATHWAY), held, NOW)
    svg = pathway_svg(progress, route=["data-visualisation", "data-ethics", "project-two"])
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.set_content(
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='color-scheme' content='light dark'>"
            f"<title>{html.escape(PATHWAY['name'])}</title></head>"  # type: ignore[arg-type]
            f"<body><main><h1>Your progress</h1>{svg}</main></body></html>"
        )
        assert errors == []
        assert page.locator("svg[role=img]").count() == 1
        assert_accessible(page, what="the pathway picture")
        outside = page.evaluate(
            """() => [...document.querySelectorAll('svg g[data-node]')].flatMap(g => {
                   const box = g.querySelector('rect').getBBox();
                   return [...g.querySelectorAll('text')].filter(t => {
                       const b = t.getBBox();
                       return b.x < box.x || b.x + b.width > box.x + box.width
                           || b.y < box.y || b.y + b.height > box.y + box.height;
                   }).map(t => g.dataset.node + ': ' + t.textContent);
               })"""
        )
        assert outside == []
    finally:
        page.close()
