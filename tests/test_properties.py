"""Property-based checks (hypothesis): generated text, numbers and YAML structures thrown at the
loader and the escaping. Every input is either refused with a `path:line` problem or accepted;
every accepted input builds, and every built document is well-formed and shows the text
literally. Seeds are derandomised so CI runs the same cases every time."""

from __future__ import annotations

import html
import json
import zipfile
from pathlib import Path
from xml.dom import minidom

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from briefing.base.errors import InputError, Problems
from briefing.base.textcheck import isolate
from briefing.base.textcheck import problem as text_problem
from briefing.base.typography import smart_quotes
from briefing.cli.main import main
from briefing.config.load import load_evidence
from briefing.config.numbers import PLACEHOLDER, typed
from briefing.publish.pipeline import select_reports

from .test_generator import make_project

FAST = settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
# Each example is a whole build of all three formats: 12 of them, each in this process with one
# job (workers spawned for every build would import WeasyPrint and matplotlib afresh, most of
# the cost; that the jobs do not change the files is test_speed's). About 3 s an example here.
SLOW = settings(
    max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)

ORIGINAL = "summary: The talks conclude with a five-year framework."


@pytest.fixture(scope="module")
def port(tmp_path_factory) -> Path:
    root = make_project(tmp_path_factory.mktemp("prop"))
    (root / "facts.pristine").write_text((root / "data/port/facts.yaml").read_text())
    return root


def pristine(root: Path) -> str:
    """The invented facts as made, whatever an earlier example wrote."""
    return (root / "facts.pristine").read_text()


def load(root: Path):
    problems = Problems()
    try:
        spec = select_reports(root, ["port-trade"], problems)[0]
        evidence = load_evidence(spec, root, problems)
    except InputError as exc:
        return None, [str(p) for p in exc.problems]
    return evidence, [str(p) for p in problems.items]


def with_summary(root: Path, text: str) -> None:
    facts = root / "data/port/facts.yaml"
    facts.write_text(pristine(root).replace(ORIGINAL, "summary: " + json.dumps(text)))


# Any character but surrogates (a UTF-8 file cannot hold them; the YAML-escape case is in
# test_hostile.py), with controls, bidi marks and right-to-left scripts well represented.
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(
            "\x00\x07\x1b\x7f\x85\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        ),
        st.sampled_from("محمود احمدی‌نژاد שלום <>&\"'*_`[]()#!\\{}%"),
    ),
    max_size=80,
)


@FAST
@given(text=TEXT)
def test_any_text_is_refused_with_a_line_or_kept_exactly(port, text):
    with_summary(port, text)
    evidence, problems = load(port)
    cleaned = text.strip()
    # Digits and {placeholders} are the numbers rule's (config/numbers.py): refused with a line.
    if cleaned and text_problem(cleaned) is None and not _numbers_rule(cleaned):
        assert not problems, problems
        # Kept exactly, but for the house typography: straight quotes become curly ones.
        assert evidence.facts["talks-close"].summary == isolate(smart_quotes(cleaned))
    else:
        assert problems, f"accepted {text!r}"
        assert all(p.startswith("data/port/facts.yaml:") for p in problems), problems


def _numbers_rule(text: str) -> bool:
    """Whether the rule on figures in a summary applies: a typed digit or a placeholder."""
    return bool(typed(text) or PLACEHOLDER.search(text))


NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
)


@FAST
@given(value=NUMBERS)
def test_any_number_is_refused_or_published_as_a_finite_non_negative_quantity(port, value):
    facts = port / "data/port/facts.yaml"
    original = pristine(port)
    if isinstance(value, int):
        literal = str(value)
    elif value != value:
        literal = ".nan"
    elif value in (float("inf"), float("-inf")):
        literal = ".inf" if value > 0 else "-.inf"
    else:
        literal = f"{value:.17e}"  # YAML 1.1 reads a float only with a dot and a signed exponent
    facts.write_text(
        original.replace(
            "price: {value: 120000000, unit: USD}", f"price: {{value: {literal}, unit: USD}}"
        )
    )
    evidence, problems = load(port)
    ok = value == value and abs(value) not in (float("inf"),) and abs(value) <= 1e15 and value >= 0
    if ok:
        assert not problems, problems
        assert evidence.facts["grain-deal"].quantities["price"].value == float(literal)
    else:
        assert problems and all(p.startswith("data/port/facts.yaml:") for p in problems), problems


YAML_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=5)),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=8,
)


@FAST
@given(
    field=st.sampled_from(
        ["summary", "claimant", "citations", "quantities", "date", "tags", "derived", "domain"]
    ),
    value=YAML_VALUES,
)
def test_any_structure_in_a_field_is_refused_or_accepted_never_a_crash(port, field, value):
    facts = port / "data/port/facts.yaml"
    original = pristine(port)
    block = original.split("- id: talks-close", 1)
    lines = [line for line in block[1].splitlines() if not line.startswith(f"  {field}:")]
    if field == "citations":
        lines = [line for line in lines if not line.startswith("    - {source")]
    new = block[0] + "- id: talks-close" + "\n".join(lines) + f"\n  {field}: {json.dumps(value)}\n"
    facts.write_text(new)
    evidence, problems = load(port)  # must not raise: refused with lines, or accepted
    assert evidence is not None or problems
    assert all(":" in p for p in problems)


# ---------------------------------------------------------------- built documents -----------------

PRINTABLE = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp", "Co", "Cn")),
        st.sampled_from("محمود שלום <>&\"'*_`[]()#!\\{}%$"),
    ),
    min_size=1,
    max_size=40,
).filter(lambda t: t.strip() and text_problem(t.strip()) is None and not _numbers_rule(t))


# A chart label in a script no bundled font has is drawn with boxes, and matplotlib says so.
@pytest.mark.filterwarnings("ignore:Glyph .* missing from font:UserWarning")
@SLOW
@given(text=PRINTABLE)
def test_accepted_text_builds_well_formed_documents_that_show_it_literally(
    port, tmp_path_factory, text
):
    with_summary(port, text)
    out = tmp_path_factory.mktemp("built")
    assert main(["build", "-C", str(port), "-o", str(out), "-q", "--force", "-j", "1"]) == 0
    shown = " ".join(isolate(text.strip()).split())
    page = (out / "port-trade.html").read_text(encoding="utf-8")
    assert shown in " ".join(html.unescape(page).split())
    with zipfile.ZipFile(out / "port-trade.docx") as z:
        document = z.read("word/document.xml").decode("utf-8")
    minidom.parseString(document.encode("utf-8"))
    words = "".join(
        minidom.parseString(document.encode()).documentElement.toxml().split("<w:t")[1:]
    )
    assert all(piece in html.unescape(words) for piece in shown.split(" ")[:3])
    assert len(PdfReader(out / "port-trade.pdf").pages) >= 1
