"""The house typefaces travel inside every HTML file (both reports and the output folder's
index) as WOFF2 subsets in data: URIs: read back, each is a real WOFF2 face of the house
families, holds every character the page shows, weighs a fraction of the whole face, and
nothing in the page fetches a font from anywhere else. The browser's side (the faces are the
ones it uses) is in test_accessibility.py."""

from __future__ import annotations

import base64
import io
import re
from html.parser import HTMLParser

import pytest
from fontTools.ttLib import TTFont

from briefing.base import fonts

from .conftest import build_into

PAGES = ("iran-venezuela.html", "iran-venezuela-in-focus.html", "index.html")
_FACE_RULE = re.compile(r"@font-face\s*\{([^}]*)\}")
_DATA = re.compile(r"""url\(\s*["']?data:font/woff2;base64,([A-Za-z0-9+/=]+)["']?\s*\)""")


class _Shown(HTMLParser):
    """The characters of the body's text, and the page's stylesheets and links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.css: list[str] = []
        self.links: list[dict] = []
        self.where: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "link":
            self.links.append(dict(attrs))
        if tag in ("head", "style", "script", "title"):
            self.where.append(tag)

    def handle_endtag(self, tag):
        if self.where and self.where[-1] == tag:
            self.where.pop()

    def handle_data(self, data):
        if self.where and self.where[-1] == "style":
            self.css.append(data)
        elif not self.where:
            self.text.append(data)


def _read(built, name: str) -> _Shown:
    page = _Shown()
    page.feed((built.folder / name).read_text(encoding="utf-8"))
    return page


def _faces(page: _Shown) -> list[tuple[str, TTFont, int]]:
    """Each embedded face: its @font-face rule, the face, its size in bytes."""
    found = []
    for rule in _FACE_RULE.findall("\n".join(page.css)):
        data = _DATA.search(rule)
        assert data, f"an @font-face rule without a WOFF2 data: URI: {rule[:120]}"
        raw = base64.b64decode(data.group(1))
        found.append((rule, TTFont(io.BytesIO(raw)), len(raw)))
    return found


def _family(face: TTFont) -> str:
    name = face["name"]
    return str(name.getDebugName(16) or name.getDebugName(1))


def _shipped(rule: str) -> fonts.Face:
    family = re.search(r'font-family:\s*"([^"]+)"', rule).group(1)
    weight = int(re.search(r"font-weight:\s*(\d+)", rule).group(1))
    italic = re.search(r"font-style:\s*(\w+)", rule).group(1) == "italic"
    return next(
        f for f in fonts.faces() if (f.family, f.weight, f.italic) == (family, weight, italic)
    )


@pytest.mark.parametrize("name", PAGES)
def test_each_page_carries_its_house_faces_as_woff2_subsets(built, name):
    page = _read(built, name)
    faces = _faces(page)
    families = {_family(face) for _rule, face, _size in faces}
    assert families == {fonts.SERIF, fonts.SANS}
    shown = {c for c in "".join(page.text) if not c.isspace()}
    assert len(shown) > 40
    for rule, face, size in faces:
        assert face.flavor == "woff2"
        whole = _shipped(rule)
        assert _family(face) == whole.family
        # The subset holds every character of the page the whole face holds...
        full = set(map(chr, TTFont(whole.path)["cmap"].getBestCmap()))
        cmap = set(map(chr, face["cmap"].getBestCmap()))
        assert (shown & full) - cmap == set(), rule[:80]
        assert shown & full and len(shown & full) >= 0.95 * len(shown)
        # ...and not much more: a fraction of the whole face's characters and bytes.
        assert len(cmap) < len(full) / 3
        assert size < whole.path.stat().st_size / 5


@pytest.mark.parametrize("name", PAGES)
def test_no_page_loads_a_font_from_outside_itself(built, name):
    page = _read(built, name)
    css = "\n".join(page.css)
    assert re.findall(r"url\(\s*(?![\"']?data:)", css) == []
    assert "@import" not in css
    for link in page.links:
        assert link.get("rel") != "stylesheet" and "font" not in (link.get("as") or ""), link
        assert not (link.get("href") or "").lower().endswith((".woff", ".woff2", ".ttf", ".otf"))


def test_the_pages_are_the_same_bytes_on_every_build(built, tmp_path, monkeypatch):
    """Deterministic: the same project builds the same pages, faces included, whether the
    packed faces are packed afresh (an empty cache) or come from an earlier build."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first, second = tmp_path / "first", tmp_path / "second"
    build_into(first, "--format", "html")
    packed = sorted((tmp_path / "cache" / "briefing" / "webfonts").glob("*.woff2"))
    assert packed
    build_into(second, "--format", "html")
    assert sorted((tmp_path / "cache" / "briefing" / "webfonts").glob("*.woff2")) == packed
    for name in PAGES:
        assert (second / name).read_bytes() == (first / name).read_bytes(), name
    for name in PAGES[:2]:  # the session's build made every format; a report's page is alike
        assert (first / name).read_bytes() == (built.folder / name).read_bytes(), name


def _asked(css: str, body: str) -> set[tuple[str, int, bool]]:
    from briefing.base.cssfaces import asked_fonts

    html = f"<!DOCTYPE html><html><head><style>{css}</style></head><body>{body}</body></html>"
    return {(f.families[0] if f.families else "", f.weight, f.italic) for f in asked_fonts(html)}


SERIF, SANS = '"Source Serif 4", serif', '"Source Sans 3", sans-serif'


def test_a_weight_takes_the_family_its_element_inherits():
    css = f"body {{ font-family: {SERIF} }} .band {{ font-family: {SANS} }} .kicker {{ font-weight: 600 }}"
    asked = _asked(css, '<p>text</p><div class="band"><p class="kicker">kicker</p></div>')
    assert asked == {("Source Serif 4", 400, False), ("Source Sans 3", 600, False)}


def test_a_conditional_rule_adds_a_possibility_and_takes_none_away():
    css = f"""body {{ font-family: {SERIF} }} @media (max-width: 40rem) {{ p {{ font-weight: 700 }} }}
    p:hover {{ font-style: italic }}"""
    asked = _asked(css, "<p>text</p>")
    assert asked == {
        ("Source Serif 4", 400, False),
        ("Source Serif 4", 700, False),
        ("Source Serif 4", 400, True),
        ("Source Serif 4", 700, True),
    }


def test_generated_text_and_browser_defaults_count():
    css = f"""body {{ font: 1rem/1.5 {SERIF} }}
    td::before {{ content: attr(data-label); font-family: {SANS} }} th {{ font-family: {SANS} }}"""
    body = '<table><tr><th>Head</th></tr><tr><td data-label="Head">cell <em>word</em></td></tr></table>'
    assert _asked(css, body) == {
        ("Source Sans 3", 700, False),  # th is bold by the browser's own stylesheet
        ("Source Serif 4", 400, False),
        ("Source Serif 4", 400, True),  # em
        ("Source Sans 3", 400, False),  # td::before
    }
