"""`briefing preview`, as an author meets it: the real command serving a copy of the project on a
free port, and a real browser (Debian's Chromium through Playwright, launched as the
accessibility tests launch it) open on the draft. A fact is edited on disk and the page reloads
by itself with the new value; a broken edit shows its `path:line` in the page over the last good
draft, and fixing it takes the problem away; the PDF of the draft is one request away. Nothing is
added to or changed in the output folder (no edition, index, feed or state store), and a
published page carries neither the draft band nor the reload script.

One server and one browser serve the whole file (module fixture); the tests run in order.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from briefing.cli.main import main

from .conftest import EPOCH, copy_project, edit, html_text, pdf_text
from .test_accessibility import ARGS, CHROMIUM

REPORT = "iran-venezuela"
FACTS = "data/facts/energy.yaml"
OLD, NEW = "value: 2350000", "value: 2400000"  # the gasoline shipped: 2.35 -> 2.4 million barrels
NEW_TEXT = "2.4 million barrels"
WAIT_MS = 20_000

if CHROMIUM is None:
    pytestmark = pytest.mark.skip(reason="Debian's chromium is not installed (.ci/run installs it)")


def tree(folder: Path) -> dict[str, object]:
    """Every file, folder and link under `folder`, with its bytes or target."""
    found: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[name] = ("link", os.readlink(path))
        elif path.is_file():
            found[name] = path.read_bytes()
        else:
            found[name] = "folder"
    return found


@dataclass
class Server:
    project: Path
    out: Path
    process: subprocess.Popen
    before: dict[str, object]  # the output folder before the preview started
    address: str = ""
    lines: list[str] = field(default_factory=list)

    def printed(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, seconds: float = 30) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if re.search(pattern, line):
                    return line
            time.sleep(0.05)
        raise AssertionError(f"the preview never printed {pattern!r}:\n{self.printed()}")


def publish_html(project: Path, out: Path) -> None:
    """An edition of the report, in HTML alone, at the fixed edition date."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        command = ["build", REPORT, "-C", str(project), "-o", str(out), "-f", "html", "-j", "1"]
        assert main([*command, "-q"]) == 0
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("project"))
    out = project / "output"
    publish_html(project, out)  # an edition to compare the draft with, and to prove untouched
    before = tree(out)
    process = subprocess.Popen(
        [sys.executable, "-m", "briefing", "preview", REPORT, "--project", str(project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=project,
    )
    running = Server(project, out, process, before)

    def read() -> None:
        for line in process.stdout:
            running.lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        line = running.wait_for(r"http://127\.0\.0\.1:\d+/", 120)
        running.address = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        tab = chromium.new_page(viewport={"width": 1280, "height": 900})
        tab.fetched = []
        tab.console = []
        tab.on("request", lambda request: tab.fetched.append(request.url))
        tab.on("console", lambda message: tab.console.append(f"{message.type}: {message.text}"))
        tab.goto(server.address)
        yield tab
        chromium.close()


def test_the_draft_is_served_with_its_band(server, page):
    band = page.locator(".briefing-draft-band")
    assert "Draft — not published" in band.inner_text()
    assert page.locator("h1.title").inner_text().strip()
    response = page.request.get(server.address)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert f"{REPORT}: draft at {server.address}" in server.printed()


def test_an_edited_fact_reloads_the_page_with_the_new_value(server, page):
    page.evaluate("window.beforeTheEdit = true")
    assert NEW_TEXT not in page.inner_text("main")
    edit(server.project / FACTS, OLD, NEW)
    page.wait_for_function(
        "text => document.querySelector('main').innerText.includes(text)", arg=NEW_TEXT,
        timeout=WAIT_MS,
    )  # fmt: skip
    assert page.evaluate("window.beforeTheEdit") is None  # a new page: it reloaded itself
    # The draft says what changed since the published edition, as the next edition will.
    assert "1 fact changed" in html_text(page.content())
    assert page.locator(".briefing-draft-problems").count() == 0


def test_a_broken_edit_shows_its_path_and_line_over_the_last_good_draft(server, page):
    path = server.project / FACTS
    good = path.read_text(encoding="utf-8")
    line = edit(path, NEW, "value: [2400000")  # an unclosed list: a YAML syntax error
    problems = page.wait_for_selector(".briefing-draft-problems", timeout=WAIT_MS)
    shown = problems.inner_text()
    where = re.search(rf"{re.escape(FACTS)}:(\d+): ", shown)
    assert where, shown
    assert abs(int(where.group(1)) - line) <= 2, shown  # the parser names a line near the error
    assert NEW_TEXT in page.inner_text("main")  # the last good draft stays
    # At the top of the page the list of problems pushes the title down, never over it: the
    # reader's place is kept as it was (the browser's own restoring scrolled it under the band).
    page.wait_for_load_state("load")
    assert page.evaluate("() => window.scrollY") == 0
    printed = server.wait_for(rf"^{re.escape(FACTS)}:\d+: ")
    assert printed.strip() in shown  # the terminal and the page say the same
    path.write_text(good, encoding="utf-8")
    page.wait_for_selector(".briefing-draft-problems", state="detached", timeout=WAIT_MS)
    assert NEW_TEXT in page.inner_text("main")


def test_the_page_loads_nothing_from_elsewhere_and_breaks_no_policy(server, page):
    strangers = [u for u in page.fetched if not u.startswith((server.address, "data:"))]
    assert strangers == []
    assert not [m for m in page.console if "Content Security Policy" in m], page.console
    assert not [m for m in page.console if m.startswith("error")], page.console  # no 404 either


def test_the_pdf_of_the_draft_is_one_click_away(server, page, tmp_path):
    link = page.locator(".briefing-draft-band a", has_text="PDF")
    assert link.get_attribute("href") == f"/{REPORT}.pdf"
    response = page.request.get(server.address + f"{REPORT}.pdf", timeout=120_000)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "draft.pdf"
    pdf.write_bytes(response.body())
    assert NEW_TEXT in pdf_text(pdf)
    assert "Draft — not published" not in pdf_text(pdf)
    server.wait_for(rf"{REPORT}: PDF of draft \d+ in ")


def test_a_published_page_has_no_band_and_no_reload_script(server):
    published = (server.out / f"{REPORT}.html").read_text(encoding="utf-8")
    for trace in ("briefing-draft", "/_preview/", "EventSource"):
        assert trace not in published


def test_only_this_machine_s_own_address_is_served(server, page):
    """A page elsewhere that points a name of its own at 127.0.0.1 (DNS rebinding) gets
    nothing."""
    response = page.request.get(server.address, headers={"Host": "attacker.example"})
    assert response.status == 400
    assert "briefing-draft" not in response.text()


def test_a_taken_port_is_refused_with_status_2(server, capsys):
    port = int(server.address.rsplit(":", 1)[1].strip("/"))
    assert main(["preview", REPORT, "-C", str(server.project), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"port {port} on 127.0.0.1 is in use" in err and "--port" in err


def test_ctrl_c_stops_it_with_status_0(server):
    server.process.send_signal(signal.SIGINT)
    assert server.process.wait(timeout=30) == 0, server.printed()
    assert "preview stopped" in server.printed()
    assert "published edition" not in server.printed()


def test_nothing_was_published_or_written(server):
    """After all of the above: the editions, the state store, the index, the feed and every
    other file of the output folder are as they were before the preview started."""
    assert server.process.poll() is not None  # stopped (the test before)
    editions = f"{REPORT}/editions"
    names = sorted(n.split("/")[2] for n in tree(server.out) if n.startswith(editions + "/"))
    assert names == sorted(n.split("/")[2] for n in server.before if n.startswith(editions + "/"))
    assert tree(server.out)["state.sqlite"] == server.before["state.sqlite"]
    assert tree(server.out) == server.before


def test_a_draft_with_nothing_changed_is_the_published_edition(tmp_path):
    """Right after a build, the next build would publish nothing: the draft is the newest
    edition as published (a first edition says nothing changed), not an edition that claims to
    revise its wording. An edit makes it the next edition again, with what changed."""
    from briefing.publish.preview import Preview

    project = copy_project(tmp_path / "project")
    out = project / "output"
    publish_html(project, out)
    (tmp_path / "scratch").mkdir()
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)  # drafts dated as the edition
    try:
        draft = Preview(project, out, REPORT, tmp_path / "scratch")
        assert draft.rebuild(), draft.problems
        assert "What changed since" not in html_text(draft.draft.html)
        edit(project / FACTS, OLD, NEW)
        assert draft.rebuild(), draft.problems
        assert "What changed since" in html_text(draft.draft.html)
    finally:
        mp.undo()
