"""The HTML as readers meet it, in a real browser: axe-core run in headless Chromium at phone and
desktop widths, light and dark, plus what axe cannot judge alone (nothing scrolls sideways, the
phone drawing of each chart is the one shown, the print stylesheet hides the screen furniture).

Chromium is Debian's, driven through Playwright; `.ci/run` installs it and sets
BRIEFING_REQUIRE_BROWSER=1, so in CI a missing browser fails instead of skipping. Nothing leaves
the machine: the page may load only file: and data: addresses.
"""

from __future__ import annotations

import os
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REPORTS = ("iran-venezuela", "iran-venezuela-in-focus")
WIDTHS = (390, 1280)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if CHROMIUM is None:
    if os.environ.get("BRIEFING_REQUIRE_BROWSER"):
        raise RuntimeError("BRIEFING_REQUIRE_BROWSER is set but no chromium is installed")
    pytestmark = pytest.mark.skip(reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _open(browser, path: Path, width: int, scheme: str = "light"):
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(("file:", "data:")) else route.abort()
        ),
    )
    page.goto(path.resolve().as_uri())
    return page


def _axe(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page).response["violations"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("report", REPORTS)
def test_axe_finds_no_serious_or_critical_violation(built, browser, report, width, scheme):
    page = _open(browser, built.folder / f"{report}.html", width, scheme)
    try:
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} - {v['nodes'][0]['html'][:120]}"
            for v in _axe(page)
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == []
        # Nothing scrolls sideways, and no chart is wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        widths = page.eval_on_selector_all(
            "figure.chart img", "els => els.map(e => e.getBoundingClientRect().right)"
        )
        assert widths and max(widths) <= width
    finally:
        page.close()


def test_the_edition_index_passes_axe(built, browser):
    page = _open(browser, built.folder / "index.html", 1280)
    try:
        assert [v["id"] for v in _axe(page) if v["impact"] in ("serious", "critical")] == []
    finally:
        page.close()


def test_phones_get_the_narrow_chart_drawings_and_stacked_tables(built, browser):
    page = _open(browser, built.folder / "iran-venezuela.html", 390)
    try:
        shown = page.eval_on_selector_all(
            "figure.chart picture",
            "ps => ps.map(p => [p.querySelector('img').currentSrc,"
            " p.querySelector('img').src, p.querySelector('source')?.srcset || null])",
        )
        assert shown
        for current, full, narrow in shown:
            assert narrow is not None and current == narrow != full
        # A timeline row is a card: cells stacked, each labelled by its column.
        cell = page.query_selector("table.data-table tbody td")
        assert page.evaluate("c => getComputedStyle(c).display", cell) == "block"
        label = page.evaluate("c => getComputedStyle(c, '::before').content", cell)
        assert label.strip('"') == cell.get_attribute("data-label") != ""
    finally:
        page.close()
    wide = _open(browser, built.folder / "iran-venezuela.html", 1280)
    try:
        srcs = wide.eval_on_selector_all(
            "figure.chart img", "is => is.map(i => i.currentSrc === i.src)"
        )
        assert srcs and all(srcs)
    finally:
        wide.close()


def test_dark_mode_keeps_charts_on_a_light_card(built, browser):
    page = _open(browser, built.folder / "iran-venezuela.html", 1280, "dark")
    try:
        body = page.evaluate("getComputedStyle(document.body).backgroundColor")
        card = page.eval_on_selector(
            "figure.chart .chart-image", "e => getComputedStyle(e).backgroundColor"
        )
        assert body != "rgb(255, 255, 255)" and card == "rgb(255, 255, 255)"
    finally:
        page.close()


def test_printing_from_the_browser_hides_screen_furniture(built, browser):
    page = _open(browser, built.folder / "iran-venezuela.html", 1280)
    try:
        page.emulate_media(media="print")
        skip = page.eval_on_selector(".skip-link", "e => getComputedStyle(e).display")
        back = page.eval_on_selector(".notes a.back", "e => getComputedStyle(e).display")
        assert skip == "none" and back == "none"
        # White type on navy survives a browser's habit of dropping backgrounds in print.
        for selector in (".cover-band", "th"):
            adjust = page.eval_on_selector(selector, "e => getComputedStyle(e).printColorAdjust")
            assert adjust == "exact", selector
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and len(pdf) > 50_000
    finally:
        page.close()


class _Outline(HTMLParser):
    """Headings in order, and the attributes a screen reader relies on."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.th_without_scope = 0
        self.imgs_without_alt = 0
        self.lang = None
        self.landmarks: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))
        if tag == "th" and "scope" not in a:
            self.th_without_scope += 1
        if tag == "img" and not a.get("alt"):
            self.imgs_without_alt += 1
        if tag in ("header", "nav", "main", "footer"):
            self.landmarks.add(tag)


@pytest.mark.parametrize("report", REPORTS)
def test_html_structure_for_screen_readers(built, report):
    html = (built.folder / f"{report}.html").read_text(encoding="utf-8")
    outline = _Outline()
    outline.feed(html)
    assert outline.lang == "en-GB"
    assert outline.headings.count(1) == 1 and outline.headings[0] == 1
    assert all(b - a <= 1 for a, b in zip(outline.headings, outline.headings[1:], strict=False))
    assert outline.th_without_scope == 0 and outline.imgs_without_alt == 0
    assert {"header", "main", "footer"} <= outline.landmarks
    assert 'class="skip-link" href="#main"' in html


# Every table cell of the page (the chart-data tables opened), checked where it is shown: its
# content neither scrolls inside it nor reaches past its edges into a neighbouring cell.
_CELLS_OVERFLOWING = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const bad = [];
  const meets = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5
    && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  for (const table of document.querySelectorAll('table')) {
    const name = (table.caption ? table.caption.textContent : 'a table').slice(0, 40);
    for (const row of table.rows) {
      const cells = Array.from(row.cells);
      for (const cell of cells) {
        const box = cell.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        const where = `${name} / row ${row.rowIndex} / "${cell.textContent.trim().slice(0, 30)}"`;
        if (cell.scrollWidth > cell.clientWidth) {
          bad.push(`${where}: scrollWidth ${cell.scrollWidth} > clientWidth ${cell.clientWidth}`);
        }
        const range = document.createRange();
        range.selectNodeContents(cell);
        for (const ink of Array.from(range.getClientRects()).filter(r => r.width > 0)) {
          if (ink.left < box.left - 0.5 || ink.right > box.right + 0.5) {
            bad.push(`${where}: content ${ink.left}-${ink.right} outside ${box.left}-${box.right}`);
          }
          for (const other of cells) {
            if (other !== cell && meets(ink, other.getBoundingClientRect())) {
              bad.push(`${where}: content reaches into the next cell`);
            }
          }
        }
      }
    }
  }
  return bad;
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("report", REPORTS)
def test_no_table_cell_overflows_its_column(built, browser, report, width):
    page = _open(browser, built.folder / f"{report}.html", width)
    try:
        assert page.locator("table td").count() > 0
        assert page.evaluate(_CELLS_OVERFLOWING) == []
    finally:
        page.close()


HOUSE = ("Source Serif 4", "Source Sans 3")
# Marks each element with text of its own whose computed font asks first for a house family.
_MARK_HOUSE_TEXT = """houses => {
  let n = 0;
  for (const el of document.body.querySelectorAll('*')) {
    const own = Array.from(el.childNodes).some(c => c.nodeType === 3 && c.textContent.trim());
    const first = getComputedStyle(el).fontFamily.split(',')[0].trim().replace(/^["']|["']$/g, '');
    if (own && houses.includes(first)) { el.setAttribute('data-house-text', ''); n++; }
  }
  return n;
}"""


def _house_text_fonts(page) -> list[tuple[str, list[dict]]]:
    """Each text of an element set in a house family, with the fonts the browser drew it in
    (DevTools' platform fonts: the face a glyph really came from, not the one asked for)."""
    assert page.evaluate(_MARK_HOUSE_TEXT, list(HOUSE)) > 0
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    texts: list[tuple[int, str]] = []

    def walk(node: dict, marked: bool) -> None:
        for child in node.get("children", []):
            if child["nodeType"] == 3 and marked and child["nodeValue"].strip():
                texts.append((child["nodeId"], child["nodeValue"]))
            walk(child, "data-house-text" in child.get("attributes", [])[::2])

    walk(cdp.send("DOM.getDocument", {"depth": -1})["root"], False)
    found = [
        (text, cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"])
        for node, text in texts
    ]
    cdp.detach()
    return found


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", [*REPORTS, "index"])
def test_the_browser_sets_the_text_in_the_embedded_house_faces(built, browser, name, width):
    """Not the reader's own fonts: every text the CSS sets in a house family is drawn from
    the page's embedded faces, except characters the house faces lack, and the
    faces the page declares are the house faces, the ones it uses loaded."""
    from fontTools.ttLib import TTFont

    from briefing.base import fonts

    page = _open(browser, built.folder / f"{name}.html", width)
    try:
        page.evaluate("document.fonts.ready.then(() => true)")
        declared = page.evaluate(
            "Array.from(document.fonts).map(f => [f.family.replace(/\"/g, ''), f.status])"
        )
        assert declared and {family for family, _ in declared} == set(HOUSE)
        assert {family for family, status in declared if status == "loaded"} == set(HOUSE)
        held = set().union(*(TTFont(f.path)["cmap"].getBestCmap() for f in fonts.faces()))
        for text, used in _house_text_fonts(page):
            for font in used:
                if font["isCustomFont"] and font["familyName"].startswith(HOUSE):
                    continue
                missing = {c for c in text if not c.isspace() and ord(c) not in held}
                assert missing, f"{text[:60]!r} drawn in {font['familyName']}"
    finally:
        page.close()


@pytest.mark.parametrize("name", [*REPORTS, "index"])
def test_each_embedded_face_is_one_the_page_uses(built, browser, name):
    """Only the faces the page's CSS sets text in travel with it: each face it declares is
    one the browser loads for its text at a phone's or a desk's width (a face no text asks
    for would be left unloaded)."""
    declared, loaded = set(), set()
    for width in WIDTHS:
        page = _open(browser, built.folder / f"{name}.html", width)
        try:
            page.evaluate("document.fonts.ready.then(() => true)")
            faces = page.evaluate(
                "Array.from(document.fonts).map(f => [f.family, f.weight, f.style, f.status])"
            )
        finally:
            page.close()
        declared |= {tuple(f[:3]) for f in faces}
        loaded |= {tuple(f[:3]) for f in faces if f[3] == "loaded"}
    assert declared and declared == loaded
