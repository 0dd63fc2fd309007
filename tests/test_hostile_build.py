"""The build side of issue 21: text that reaches a mail header is one clean line, text no XML
can carry is refused wherever it is loaded, a long unbreakable token prints in bounded time,
the self-containment check looks only at what would be fetched, and the user-caused failures
that still ended in a traceback are `path:line` problems (exit 2) with nothing published."""

from __future__ import annotations

import os
import random
import re
import resource
import subprocess

import pytest

from .conftest import EPOCH, REPORT, build_command, edit, pdf_text
from .conftest import previous_output as previous
from .test_hostile import ENERGY, SUMMARY, TEMPLATE, build, untouched

REPORT_FILE = "reports/iran-venezuela.yaml"
LOCATOR = (
    """locator: '"Energy and Oil: Defying U.S. Sanctions", para. 1 """
    """("two of the world''s largest oil reserves holders")'"""
)


@pytest.fixture(autouse=True)
def _edition_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def refused(code: int, err: str, rel: str, line: int | None, message: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert message in err, err
    if line is None:
        assert f"{rel}:" in err, err
    else:
        assert any(f"{rel}:{n}:" in err for n in range(line, line + 3)), err


# ---------------------------------------------------------------- header text ---------------------

HEADER_CASES = {
    "line break in the title": (
        "title: Iran and Venezuela",
        'title: "Iran and\\nVenezuela"',
        "'title' in the report contains a line break",
    ),
    "carriage return in the subject": (
        "subject: The relationship",
        'subject: "Bcc: x@example.org\\rThe relationship',
        "'subject' in the report contains a line break",
    ),
    "tab in the author": (
        "author: Briefing desk",
        'author: "Briefing\\tdesk"',
        "'author' in the report contains the control character U+0009",
    ),
    "noncharacter in the title": (
        "title: Iran and Venezuela",
        'title: "Iran and \\uFFFE Venezuela"',
        "'title' in the report contains the noncharacter U+FFFE",
    ),
    "line separator in the subtitle": (
        "subtitle: Two sanctioned states",
        'subtitle: "Two\\u2028sanctioned states',
        "'subtitle' in the report contains a line break (U+2028)",
    ),
}


@pytest.mark.parametrize("case", sorted(HEADER_CASES))
def test_header_text_is_one_clean_line(project, tmp_path, capsys, case):
    old, new, message = HEADER_CASES[case]
    text = (project / REPORT_FILE).read_text(encoding="utf-8")
    if new.count('"') == 1:  # the replacement opens a quoted scalar the rest of the line closes
        end = text.index("\n", text.index(old))
        text = text[:end] + '"' + text[end:]
        (project / REPORT_FILE).write_text(text, encoding="utf-8")
    line = edit(project / REPORT_FILE, old, new)
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys, "-f", "html")
    refused(code, err, REPORT_FILE, line, message)
    untouched(out, files)


def test_header_problem_is_public_and_simple():
    from briefing.base.textcheck import header_problem

    assert header_problem("Iran and Venezuela: the 2026 edition") is None
    assert header_problem("محمود احمدی‌نژاد") is None  # right-to-left names are welcome
    for bad in ("a\nb", "a\rb", "a\tb", "a\x85b", "a\u2028b", "a\u2029b", "a\ufdd0b", "a\ud800b"):
        assert header_problem(bad), repr(bad)
    assert header_problem("x" * 1000)  # a header line, not a paragraph


@pytest.mark.parametrize(
    ("rel", "old", "new", "message"),
    [
        (ENERGY, SUMMARY, '  summary: "Iran ships \\uFDD0 gasoline."', "noncharacter U+FDD0"),
        (ENERGY, LOCATOR, 'locator: "para. 1 \\U0010FFFF"', "noncharacter U+10FFFF"),
        (
            "data/sources.yaml",
            "  name: January 2026 news report",
            '  name: "January 2026 news report \\uFFFF"',
            "noncharacter U+FFFF",
        ),
    ],
)
def test_text_no_xml_can_carry_is_refused_where_it_is_loaded(
    project, tmp_path, capsys, rel, old, new, message
):
    line = edit(project / rel, old, new)
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys, "-f", "html")
    refused(code, err, rel, line, message)
    untouched(out, files)


# ---------------------------------------------------------------- bounded work --------------------


def test_a_long_unbreakable_token_prints_in_bounded_time(project, tmp_path):
    """5,000 letters with no space in a locator printed in 303 s before (each line tried every
    hyphenation point of the rest of the token). Bounded now: the timeout fails the old code."""
    random.seed(21)
    token = "".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(5000))
    edit(project / ENERGY, LOCATOR, f"locator: {token}")
    out = tmp_path / "out"
    done = subprocess.run(
        build_command(project, out, "-q", "-f", "pdf"),
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # The whole token is in the PDF's text, in order, broken over lines but not altered (and
    # over a page, whose running head and foot, and the next notes' numbers hung in the
    # margin, the text extraction puts between its parts).
    from pypdf import PdfReader

    text = re.sub(r"\s+", "", pdf_text(out / f"{REPORT}.pdf"))
    total = len(PdfReader(out / f"{REPORT}.pdf").pages)
    furniture = rf"IranandVenezuela\w*?Informationcurrentto\d+\w+\d{{4}}Page\d+of{total}"
    numbers = r"(?:\d+\.){2,}"
    assert token in re.sub(numbers, "", re.sub(furniture, "", text))


def test_long_tokens_get_break_opportunities_only_in_text():
    from briefing.writers.pdf.breaks import ZWSP, break_long_tokens
    from briefing.writers.pdf.engine import html_document

    token = "q" * 300
    url = "https://example.org/" + "a" * 200
    html = (
        f'<html><head><style>p {{ background: url("data:,{token}") }}</style></head>'
        f'<body><p title="{token}">see {token} and <a href="#{token}">{url}</a>.</p></body></html>'
    )
    document = html_document(html)
    break_long_tokens(document.etree_element)
    root = document.etree_element
    style = root.find("head/style")
    assert ZWSP not in style.text  # CSS is not text
    paragraph = root.find("body/p")
    assert paragraph.get("title") == token  # nor are attributes
    assert paragraph.find("a").get("href") == f"#{token}"
    text = "".join(paragraph.itertext())
    assert ZWSP in text and text.replace(ZWSP, "") == f"see {token} and {url}."
    assert max(len(run) for run in re.split(rf"[\s{ZWSP}]", text)) <= 40


# ---------------------------------------------------------------- self-containment ----------------


def test_a_locator_naming_an_address_with_src_builds(project, tmp_path, capsys):
    address = "https://example.org/report?src=https://example.com/feed&ref=1"
    edit(project / ENERGY, LOCATOR, f"locator: '{address}'")
    out = tmp_path / "out"
    code, err = build(project, out, capsys, "-f", "html")
    assert code == 0, err
    assert address.replace("&", "&amp;") in (out / f"{REPORT}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="https://example.org/pixel.png" alt="">',
        '<img alt="" srcset="https://example.org/pixel.png 2x">',
        '<p style="background: url(https://example.org/pixel.png)">x</p>',
        "<style>@import 'https://example.org/sheet.css';</style>",
    ],
)
def test_markup_that_would_fetch_is_still_refused(project, tmp_path, capsys, markup):
    path = project / "templates/layouts/briefing.html.j2"
    path.write_text(path.read_text().replace("</body>", f"{markup}</body>"))
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys, "-f", "html")
    assert code == 2 and "would load 'https://example.org/" in err, err
    untouched(out, files)


# ---------------------------------------------------------------- user-caused tracebacks ----------


def _append(project, rel: str, text: str) -> int:
    path = project / rel
    before = path.read_text(encoding="utf-8")
    path.write_text(before + text, encoding="utf-8")
    return before.count("\n") + 1 + text[: len(text) - len(text.lstrip("\n"))].count("\n")


def test_an_integer_of_thousands_of_digits(project, tmp_path, capsys):
    line = edit(
        project / ENERGY,
        "{value: 2350000, unit: barrel}",
        "{value: 1" + "0" * 5000 + ", unit: barrel}",
    )
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys, "-f", "html")
    refused(code, err, ENERGY, line, "5,001 digits")
    untouched(out, files)


def test_the_decade_0000s(project, tmp_path, capsys):
    line = edit(project / ENERGY, "  date: 2020\n", "  date: 0000s\n")
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys, "-f", "html")
    refused(code, err, ENERGY, line, "date '0000s'")
    untouched(out, files)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "template: sections/iran-venezuela/outlook.md.j2",
            "template: ../data/domains.yaml",
        ),
        ("language: en-GB", "language: en-GB\nlayout: ../data/domains.yaml"),
        ("language: en-GB", "language: en-GB\nstylesheets: [../data/domains.yaml]"),
    ],
)
def test_a_template_path_that_escapes_the_templates_folder(project, tmp_path, capsys, old, new):
    line = edit(project / REPORT_FILE, old, new) + new.count("\n")
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys, "-f", "html")
    refused(code, err, REPORT_FILE, line, "leads outside the templates folder")
    untouched(out, files)


@pytest.mark.parametrize("what", ["section template", "stylesheet"])
def test_a_template_symlinked_outside_is_refused_as_input(project, tmp_path, capsys, what):
    rel = TEMPLATE if what == "section template" else "templates/styles/briefing.css"
    outside = tmp_path / "outside.txt"
    outside.write_text("/* not for publication */")
    (project / rel).unlink()
    (project / rel).symlink_to(outside)
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys, "-f", "html")
    refused(code, err, REPORT_FILE, None, "leads outside the templates folder")
    assert "not for publication" not in err
    untouched(out, files)


@pytest.mark.parametrize(
    "rel", [TEMPLATE, "templates/layouts/briefing.html.j2"], ids=["section", "layout"]
)
def test_a_template_that_includes_itself(project, tmp_path, capsys, rel):
    name = rel.removeprefix("templates/")
    line = _append(project, rel, f"\n{{% include '{name}' %}}\n")
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys, "-f", "html")
    refused(code, err, rel, None, "includes itself")
    assert f"{rel}:{line}:" in err  # found before anything renders, at the include's line
    assert err.count("includes itself") == 1  # once, though every report reads the layouts
    untouched(out, files)


@pytest.mark.parametrize(
    ("addition", "message"),
    [
        ("\n{{ chart('no-such-chart') }}\n", "chart() names 'no-such-chart'"),
        ("\n![](chart:no-such-chart)\n", "names the chart 'no-such-chart'"),
        ("\n![](judgments:no-such-judgment)\n", "names the judgment 'no-such-judgment'"),
        ("\nIran ships gasoline.[](cite:c999)\n", "is not a note cite() made"),
    ],
)
def test_an_unknown_chart_named_in_a_template(project, tmp_path, capsys, addition, message):
    _append(project, TEMPLATE, addition)
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys, "-f", "html")
    refused(code, err, TEMPLATE, None, message)
    untouched(out, files)


# ---------------------------------------------------------------- a full disk ---------------------


def test_a_disk_that_fills_while_pandoc_writes(project, tmp_path, capsys, monkeypatch):
    """pandoc's own words for a full disk (GHC's), as it prints them and exits 1."""
    from briefing.writers.docx import writer as docx

    real = docx.subprocess.run

    def full(args, *rest, **options):
        if "-t" in args and "docx" in args and "-o" in args:
            target = args[args.index("-o") + 1]
            said = f"pandoc: {target}: withBinaryFile: resource exhausted (No space left on device)"
            return subprocess.CompletedProcess(args, 1, b"", said.encode())
        return real(args, *rest, **options)

    monkeypatch.setattr(docx.subprocess, "run", full)
    out, files = previous(tmp_path)
    code, err = build(project, out, capsys, "-f", "docx", "-j", "1")
    assert code == 2, err
    assert "No space left on device" in err and str(out) in err, err
    assert "Traceback" not in err
    untouched(out, files)


def test_pandoc_stopped_by_the_file_size_limit(project, tmp_path):
    """A real write failure of pandoc itself: the Word file (~360 KB) is over the 200 KB this
    build may write, the charts' drawings (under 100 KB each) are not. The kernel stops pandoc
    with SIGXFSZ; that is the user's limit, not a bug in briefing."""
    out, files = previous(tmp_path)

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    done = subprocess.run(
        [*build_command(project, out, "-q", "-f", "docx")],
        preexec_fn=limit,
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
    )
    assert done.returncode == 2, done.stderr
    assert "File too large" in done.stderr and str(out) in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    untouched(out, files)
