"""What makes builds fast must not change what they make: the same bytes whatever --jobs is,
charts drawn only when their data changed, text in charts as text, the fast YAML reader giving
what the careful one gives, and a long chronology that stays cheap. Times are measured in
benchmarks/, never asserted here."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from briefing.config import yamlfile

from .conftest import EPOCH, REPORT, ROOT, build_command, copy_project, edit, load_real_evidence

FORMATS = ("pdf", "docx", "html")


def run(project: Path, out: Path, *extra: str, everything: bool = False) -> str:
    command = build_command(project, out, *extra)
    if everything:
        command.remove(REPORT)  # every report in the project
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def documents(out: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in sorted(out.iterdir())
        if p.suffix.lstrip(".") in FORMATS and p.name != "index.html"
    }


@pytest.fixture(scope="module")
def by_jobs(tmp_path_factory) -> dict[str, tuple[dict[str, bytes], str]]:
    """Both reports built three ways: one process, two workers for one report at a time, two
    workers taking whole reports."""
    project = copy_project(tmp_path_factory.mktemp("project"))
    made = {}
    for name, extra, everything in (
        ("one process", ("--jobs", "1"), True),
        ("split report", ("--jobs", "2"), False),
        ("whole reports", ("--jobs", "2"), True),
    ):
        out = tmp_path_factory.mktemp(name.replace(" ", "-"))
        log = run(project, out, *extra, everything=everything)
        made[name] = (documents(out), log)
    return made


def test_the_files_are_the_same_bytes_whatever_the_jobs(by_jobs):
    alone, _ = by_jobs["one process"]
    assert set(alone) == {f"{r}.{f}" for r in (REPORT, f"{REPORT}-in-focus") for f in FORMATS}
    split, _ = by_jobs["split report"]
    whole, _ = by_jobs["whole reports"]
    for name in split:
        assert split[name] == alone[name], name
    for name in alone:
        assert whole[name] == alone[name], name


def test_workers_report_in_the_order_of_the_reports(by_jobs):
    def order(log: str) -> list[str]:
        return [line.split(":")[0] for line in log.splitlines() if ": " in line]

    _, alone = by_jobs["one process"]
    _, whole = by_jobs["whole reports"]
    assert order(whole) == order(alone)  # each report's lines together, reports in file order
    assert sorted(set(order(whole))) == [REPORT, f"{REPORT}-in-focus"]
    assert "built 2 reports" in whole


def test_a_chart_is_drawn_again_only_when_its_data_changed(tmp_path):
    project = copy_project(tmp_path / "project")
    out = tmp_path / "out"
    first = run(project, out)
    assert "drawing chart 'turning-points'" in first and "drawing chart 'fuel-for-gold'" in first
    kept = sorted(p.name for p in (out / ".charts").iterdir() if p.name != "index.json")
    assert kept and all(re.fullmatch(r"[0-9a-f]{32}\.(svg|png|narrow\.svg)", n) for n in kept)

    # The gasoline quantity feeds the exchange chart only.
    edit(project / "data/facts/energy.yaml", "value: 2350000", "value: 2360000")
    second = run(project, out)
    assert "published edition" in second
    assert "drawing chart 'fuel-for-gold'" in second
    assert "drawing chart 'turning-points'" not in second

    # A turning point's summary is its label in the chronology: that chart alone is redrawn.
    edit(project / "data/facts/energy.yaml", "Iran delivers gasoline", "Iran ships gasoline")
    third = run(project, out)
    assert "published edition" in third and "drawing chart 'turning-points'" in third
    assert "drawing chart 'fuel-for-gold'" not in third

    # A change no chart plots (where the source says it): nothing is drawn, a new edition all
    # the same.
    edit(project / "data/facts/energy.yaml", 'para. 3 ("2.35', 'paragraph 3 ("2.35')
    fourth = run(project, out)
    assert "published edition" in fourth and "drawing chart" not in fourth


def drawn_keys(out: Path) -> set[str]:
    return {p.name.split(".")[0] for p in (out / ".charts").iterdir() if p.name != "index.json"}


def used_keys(out: Path) -> dict[str, set[str]]:
    index = json.loads((out / ".charts" / "index.json").read_text(encoding="utf-8"))
    return {report: set(keys) for report, keys in index.items()}


def test_the_chart_cache_keeps_only_what_the_newest_editions_drew(tmp_path):
    """A briefing rebuilt on a schedule changes its data often; the drawings of old data are
    dropped once no report's newest edition uses them, and not before."""
    project = copy_project(tmp_path / "project")
    out = tmp_path / "out"
    run(project, out, everything=True)
    first = used_keys(out)
    assert set(first) == {REPORT, f"{REPORT}-in-focus"}
    assert len(first[REPORT]) == 2 and drawn_keys(out) == set.union(*first.values())

    edit(project / "data/facts/energy.yaml", "value: 2350000", "value: 2360000")
    run(project, out)  # the main report only; the other keeps its edition and its drawing
    second = used_keys(out)
    assert second[f"{REPORT}-in-focus"] == first[f"{REPORT}-in-focus"]
    assert len(second[REPORT] - first[REPORT]) == 1  # the exchange, drawn anew
    assert drawn_keys(out) == set.union(*second.values())  # the old exchange of main: gone

    run(project, out, everything=True)
    third = used_keys(out)
    assert third[f"{REPORT}-in-focus"] != first[f"{REPORT}-in-focus"]
    assert drawn_keys(out) == set.union(*third.values())


def test_chart_words_are_text_set_in_a_face_the_svg_carries(tmp_path):
    out = tmp_path / "out"
    run(ROOT, out, "--format", "html")
    html = (out / f"{REPORT}.html").read_text(encoding="utf-8")
    svgs = [
        base64.b64decode(uri).decode("utf-8")
        for uri in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)
    ]
    assert len(svgs) == 4  # two charts, each with its phone drawing
    for svg in svgs:
        assert "<text" in svg and "Source Sans 3" in svg
        assert '@font-face{font-family:"Source Sans 3"' in svg
        assert "data:font/ttf;base64," in svg
    first = load_real_evidence().facts["relations-1947"].summary.split()
    assert any(" ".join(first[:3]) in svg for svg in svgs)  # a fact's words, as a label


def test_a_fact_only_the_timeline_shows_carries_its_passage_and_makes_no_note(tmp_path):
    project = copy_project(tmp_path / "project")
    run(project, tmp_path / "before", "--format", "html")
    (project / "data/facts/zz-extra.yaml").write_text(
        yaml.safe_dump(
            [
                {
                    "id": "oil-ministers-meet-1999",
                    "date": "1999-03",
                    "domain": "energy",
                    "summary": "The two oil ministers meet to coordinate output cuts.",
                    "claimant": "CSIS",
                    "citations": [{"source": "gallery-2026", "locator": "Oil section, para. 9"}],
                }
            ]
        ),
        encoding="utf-8",
    )
    run(project, tmp_path / "after", "--format", "html")
    before = (tmp_path / "before" / f"{REPORT}.html").read_text(encoding="utf-8")
    after = (tmp_path / "after" / f"{REPORT}.html").read_text(encoding="utf-8")
    row = re.search(r"<tr>(?:(?!</tr>).)*oil ministers meet(?:(?!</tr>).)*</tr>", after, re.S)
    assert row, "the new fact is not in the timeline"
    assert "CSIS, via January 2026 news report, Oil section, para. 9" in row.group(0)
    assert "note-ref" not in row.group(0)
    notes = re.compile(r'<li id="note-\d+"')
    assert len(notes.findall(after)) == len(notes.findall(before))


def test_the_fast_yaml_reader_gives_what_the_careful_one_gives():
    files = sorted((ROOT / "data").rglob("*.yaml")) + sorted((ROOT / "reports").glob("*.yaml"))
    compared = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        careful = yaml.load(text, Loader=yamlfile._Loader)  # noqa: S506
        fast = yaml.load(text, Loader=yamlfile._FastLoader)  # noqa: S506
        assert fast == careful, path

        def lines(node):
            if isinstance(node, dict):
                yield node.line, dict(node.key_lines)
                for value in node.values():
                    yield from lines(value)
            elif isinstance(node, list):
                yield node.line, None
                for value in node:
                    yield from lines(value)

        assert list(lines(fast)) == list(lines(careful)), path
        compared += 1
    assert compared >= 10


def test_text_that_could_hold_an_alias_takes_the_careful_reader():
    assert yamlfile._loader_for("a: 1\nb: [x, y]\n") is yamlfile._FastLoader
    for risky in ("a: &x 1\nb: *x\n", 'a: "\\ud83d\\ude00"\n', "a: R&D\n"):
        assert yamlfile._loader_for(risky) is yamlfile._Loader


def test_jobs_is_refused_unless_a_whole_number_from_one(tmp_path):
    for bad in ("0", "two", "-1"):
        done = subprocess.run(
            build_command(ROOT, tmp_path / "out", "--jobs", bad), capture_output=True, text=True
        )
        assert done.returncode == 2 and "--jobs needs a whole number" in done.stderr


# A process that changes a module, then starts workers, with or without a second thread running.
STARTS_ALIKE = """
import sys
import threading

from briefing.publish import workers as parallel

if __name__ == "__main__":
    if sys.argv[1] == "threaded":
        threading.Thread(target=threading.Event().wait, daemon=True).start()
    parallel.changed_here = True  # in this process only
    with parallel.workers(2) as pool:
        asked = "getattr(__import__('briefing.publish.workers', fromlist=['_']), 'changed_here', False)"
        print(pool.submit(0, eval, asked).result())
"""


@pytest.mark.parametrize("threads", ["single", "threaded"])
def test_workers_start_afresh_whatever_threads_this_process_runs(threads):
    """Workers once forked when the process had one thread and started afresh otherwise: a
    forked worker saw what this process had changed (a test's patch), one started afresh did
    not, so a test passed alone and failed after any test that imported matplotlib (which starts
    a thread). A fork from a threaded process can also inherit a lock some other thread held."""
    done = subprocess.run(
        [sys.executable, "-c", STARTS_ALIKE, threads], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False", done.stderr


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no processor affinity here")
def test_the_default_jobs_count_only_the_processors_this_process_may_use():
    """A container or `taskset` may allow fewer processors than the machine has."""
    allowed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))});"
            "from briefing.base.processes import usable_cpus; print(usable_cpus())",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert allowed.stdout.strip() == "1"


def test_weasyprint_libraries_are_found_without_running_a_compiler(monkeypatch) -> None:
    """The lookup used while WeasyPrint loads its C libraries asks the loader's cache only;
    gcc and ld (a tenth of a second each build) are never run, and the lookup is restored."""
    import ctypes.util

    from briefing.base.sharedlibs import found_by_ldconfig_only

    if not hasattr(ctypes.util, "_findSoname_ldconfig"):
        pytest.skip("this Python has no ldconfig lookup")

    def no_compiler(*_args):
        raise AssertionError("a compiler was run to find a library")

    monkeypatch.setattr(ctypes.util, "_findLib_gcc", no_compiler)
    monkeypatch.setattr(ctypes.util, "_findLib_ld", no_compiler)
    original = ctypes.util.find_library
    with found_by_ldconfig_only():
        assert ctypes.util.find_library("no-such-library-anywhere") is None
        assert ctypes.util.find_library("c") is not None  # the C library is always cached
    assert ctypes.util.find_library is original
    with pytest.raises(AssertionError, match="compiler"):
        ctypes.util.find_library("no-such-library-anywhere")


def test_the_quick_text_check_lets_through_only_what_the_full_check_passes() -> None:
    """Text without a notable character skips the character-by-character walk; every code
    point is tried, alone and between words, so a character missing from the shortcut's list
    would show here as a pass the walk refuses."""
    from briefing.base import textcheck

    for code in range(0x110000):
        ch = chr(code)
        for text in (ch, f"a{ch}b"):
            assert textcheck.problem(text) == textcheck.walk(text), f"U+{code:04X}"


def test_the_quick_right_to_left_test_agrees_with_the_unicode_database() -> None:
    import unicodedata

    from briefing.base import textcheck

    for code in range(0x110000):
        ch = chr(code)
        expected = unicodedata.bidirectional(ch) in ("R", "AL")
        assert textcheck.has_rtl(f"a{ch}b") is expected, f"U+{code:04X}"


def test_the_print_styles_few_pseudo_elements(built, monkeypatch, tmp_path) -> None:
    """The engine computes a style for every pseudo-element some rule names, on every element
    it could apply to: a universal `*::before` or the default sheet's footnote rules cost a
    style per element, which at 50 times the facts was 75,000 styles for 9,400 elements. Only
    the pseudo-elements that draw something (markers, note numbers, dot leaders) may remain.
    Counted per layout: the print lays the pages out again when it moves a figure
    (writers/pdf/placement.py), and each layout styles the document afresh."""
    from weasyprint.css import StyleFor

    from briefing.writers.pdf.writer import write_pdf

    html = (built.folder / f"{REPORT}.html").read_text(encoding="utf-8")
    styled: list[str] = []
    layouts: list[object] = []
    compute = StyleFor.set_computed_styles

    def counting(self, element, parent, root=None, pseudo_type=None, **kwargs):
        if pseudo_type is None and parent is None:  # the root: a layout begins
            layouts.append(element)
        if pseudo_type and not pseudo_type.startswith("@"):  # page-margin boxes are not counted
            styled.append(pseudo_type)
        return compute(self, element, parent, root=root, pseudo_type=pseudo_type, **kwargs)

    monkeypatch.setattr(StyleFor, "set_computed_styles", counting)
    write_pdf(html, tmp_path / "pseudo.pdf", "layouts/briefing.html.j2")
    elements = html.count("<") - html.count("</")
    assert layouts
    assert 0 < len(styled) / len(layouts) < elements / 4, sorted(set(styled))


def test_the_html_parser_builds_each_pattern_once_and_parses_the_same(built, monkeypatch):
    """WeasyPrint's HTML parser rebuilt a pattern for every run of text it scanned (its cache
    filed them under the wrong key); the print repairs the cache, and the tree must not change."""
    from xml.etree import ElementTree

    import tinyhtml5
    from tinyhtml5 import inputstream

    from briefing.writers.pdf import engine

    html = (built.folder / f"{REPORT}.html").read_text(encoding="utf-8")
    monkeypatch.setattr(inputstream, "characters_until_regex", {})
    as_shipped = tinyhtml5.parse(html, namespace_html_elements=False)
    shipped = inputstream.characters_until_regex
    undo = engine.install_pattern_cache()
    repaired = inputstream.characters_until_regex
    assert isinstance(repaired, engine.PatternCache)
    again = tinyhtml5.parse(html, namespace_html_elements=False)
    assert ElementTree.tostring(again) == ElementTree.tostring(as_shipped)
    # One pattern for each set of characters the tokenizer asked about, none filed by pattern.
    assert 3 <= len(repaired) <= 30
    undo()
    assert inputstream.characters_until_regex is shipped  # put back as it was
    assert not any(isinstance(characters, re.Pattern) for characters, _ in repaired)


def test_only_cells_holding_a_word_too_long_for_a_column_may_break_inside_words() -> None:
    from briefing.base.model import Strong, Text
    from briefing.writers.html import LONG_WORD, holds_long_word

    assert not holds_long_word("x" * LONG_WORD + " and telecommunications infrastructure")
    assert holds_long_word("see " + "x" * (LONG_WORD + 1))
    assert holds_long_word([Text("Iran ships "), Strong([Text("y" * 40)]), Text(" to Caracas")])
    assert not holds_long_word([Text("Iran ships "), Strong([Text("gasoline")])])


def test_the_worker_beside_the_print_yields_the_processors_to_it():
    """The drawing worker has time to spare and the print has none: it runs at a lower
    priority than the printing worker, which keeps the build's own."""
    from briefing.publish.workers import YIELDING_NICENESS, Workers, warm

    pool = Workers(2)
    try:
        pool.submit(0, warm, (), False).result()
        pool.submit(1, warm, (), True).result()
        printing, drawing = (
            pool.submit(n, os.getpriority, os.PRIO_PROCESS, 0).result() for n in (0, 1)
        )
    finally:
        pool.close(kill=False)
    assert printing == os.getpriority(os.PRIO_PROCESS, 0)
    assert drawing == min(19, printing + YIELDING_NICENESS)
