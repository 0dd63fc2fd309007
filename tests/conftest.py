"""Shared fixtures: build the real briefing once per session into a temporary folder, and read
each format back as text so tests can assert on content."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import unicodedata
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from docx import Document as DocxDocument
from pypdf import PdfReader

from briefing.base.errors import Problems
from briefing.cli.main import main
from briefing.config.load import Evidence, load_evidence
from briefing.publish.pipeline import select_reports

ROOT = Path(__file__).resolve().parents[1]
REPORT = "iran-venezuela"
EPOCH = "1795000000"  # 18 November 2026, fixed so the edition date is known


def normalise(text: str) -> str:
    """One comparable form for text read back from any format."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u00ad", "")
    text = re.sub(r"[\u2018\u2019]", "'", text)
    text = re.sub(r"[\u201c\u201d]", '"', text)
    return re.sub(r"\s+", " ", text).strip()


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self.skip -= 1
        if tag in ("p", "li", "h1", "h2", "td", "th", "dt", "dd", "figcaption", "caption"):
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return normalise("".join(parser.parts))


def pdf_text(path: Path) -> str:
    """The PDF's words, with words the hyphenator split at a line end joined again: it breaks
    with U+2010, so a real hyphen (U+002D) at a line end stays and joins its compound."""
    reader = PdfReader(path)
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    text = re.sub("\u2010\n", "", text)
    return normalise(re.sub(r"(?<=\w)-\n(?=\w)", "-", text))


def docx_parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {
            name: z.read(name).decode("utf-8") for name in z.namelist() if name.endswith(".xml")
        }


def xml_text(xml: str) -> str:
    runs = re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>|<w:(p|tab)\b", xml)
    text = "".join(t if t else " " for t, _ in runs)
    return normalise(
        text.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&#39;", "'")
    )


def docx_text(path: Path) -> str:
    parts = docx_parts(path)
    return xml_text(parts["word/document.xml"] + parts.get("word/footnotes.xml", ""))


@dataclass
class Built:
    folder: Path
    html: str
    html_plain: str
    pdf_path: Path
    pdf_plain: str
    docx_path: Path
    docx_plain: str
    evidence: Evidence

    @property
    def texts(self) -> dict[str, str]:
        return {"html": self.html_plain, "pdf": self.pdf_plain, "docx": self.docx_plain}


MM = 72 / 25.4


def page_fill(page) -> float | None:
    """How far down the text area a pdfplumber page's content reaches (0-1), ignoring running
    heads and page numbers in the top and bottom 18 mm; None for a page with nothing on it."""
    top, bottom = 18 * MM, page.height - 18 * MM
    things = [
        o for o in page.chars + page.images + page.rects if o["top"] > top and o["bottom"] < bottom
    ]
    if not things:
        return None
    return (max(o["bottom"] for o in things) - top) / (bottom - top)


def text_outside_page(page) -> str:
    """Characters drawn outside the page box (cut off on screen and paper)."""
    return "".join(
        c["text"]
        for c in page.chars
        if c["x0"] < 0 or c["top"] < 0 or c["x1"] > page.width or c["bottom"] > page.height
    )


def report_spec(report: str = REPORT):
    """The report definition, read as a build reads it."""
    problems = Problems()
    return select_reports(ROOT, [report], problems)[0]


def section_titles(report: str = REPORT) -> list[str]:
    """The section titles the report definition declares, in order."""
    return [s.title for s in report_spec(report).sections]


def load_real_evidence() -> Evidence:
    problems = Problems()
    spec = select_reports(ROOT, [REPORT], problems)[0]
    evidence = load_evidence(spec, ROOT, problems)
    assert not problems
    return evidence


def build_command(project: Path, out: Path, *extra: str) -> list[str]:
    """The real command as a separate process (for tests that time, limit, kill or signal it)."""
    return [
        sys.executable,
        "-m",
        "briefing",
        "build",
        REPORT,
        "--project",
        str(project),
        "--output",
        str(out),
        *extra,
    ]


def editions(out: Path) -> list[str]:
    folder = out / REPORT / "editions"
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def assert_one_whole_edition_published(out: Path) -> str:
    """Every top-level document leads into the same edition and matches its manifest."""
    current = out / REPORT / "current"
    edition = os.readlink(current).removeprefix("editions/")
    manifest = json.loads((current / "manifest.json").read_text())
    assert manifest["edition"] == edition
    names = set()
    for f in manifest["files"]:
        top = out / f["name"]
        names.add(f["name"])
        assert top.resolve().parent.name == edition
        assert hashlib.sha256(top.read_bytes()).hexdigest() == f["sha256"]
    strays = {p.name for p in out.glob(f"{REPORT}.*")} - names
    assert not strays, strays
    return edition


def build_into(out: Path, *extra: str) -> None:
    """The real command on the real project, at the fixed edition date, into `out`."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        assert main(["build", "--project", str(ROOT), "--output", str(out), "-q", *extra]) == 0
    finally:
        mp.undo()


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Built:
    out = tmp_path_factory.mktemp("out")
    build_into(out)
    html = (out / f"{REPORT}.html").read_text(encoding="utf-8")
    return Built(
        folder=out,
        html=html,
        html_plain=html_text(html),
        pdf_path=out / f"{REPORT}.pdf",
        pdf_plain=pdf_text(out / f"{REPORT}.pdf"),
        docx_path=out / f"{REPORT}.docx",
        docx_plain=docx_text(out / f"{REPORT}.docx"),
        evidence=load_real_evidence(),
    )


def copy_project(dest: Path) -> Path:
    """A private copy of the project's inputs (reports, templates, data)."""
    for name in ("reports", "templates", "data"):
        shutil.copytree(ROOT / name, dest / name)
    return dest


@pytest.fixture
def project(tmp_path) -> Path:
    """A private copy of the project's inputs, for tests that break them."""
    return copy_project(tmp_path)


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old` in a file; return the 1-based line it was on."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


DOCUMENTS = tuple(f"{REPORT}.{ext}" for ext in ("pdf", "docx", "html"))


def previous_output(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """An output folder holding a previous briefing, for tests that check it survives."""
    out = tmp_path / "out"
    out.mkdir()
    files = {f"{REPORT}.{ext}": f"previous {ext}".encode() for ext in ("pdf", "docx", "html")}
    for name, data in files.items():
        (out / name).write_bytes(data)
    return out, files


def published(out: Path) -> dict[str, bytes]:
    """The top-level documents a reader opens, by name (bookkeeping files left aside)."""
    return {p.name: p.read_bytes() for p in out.iterdir() if p.name.startswith(f"{REPORT}.")}


def docx_document(path: Path):
    return DocxDocument(str(path))
