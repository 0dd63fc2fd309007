"""How fast `briefing preview` follows a save: `make bench-preview` (or `python
benchmarks/preview.py`).

In a temporary copy of the project, with one edition of the main briefing published (HTML, so the
draft has an edition to say what changed since, as an author's would), the real command serves
the draft and Chromium (through Playwright, as the tests drive it) opens it. Then, RUNS times, one
fact (a quantity in data/facts/energy.yaml) is saved with a new value, and two times are taken
from the moment of the save:

- reload: until the page has reloaded by itself and shows the new value (the page's own load
  event, read from its navigation timing, against the clock the save was stamped with);
- PDF: until the PDF of the new draft has arrived, asked for as soon as the page reloaded (the
  link in the draft band), i.e. the reload plus the print.

The medians and spreads are printed, with how long the preview itself took to compose each draft
(from its own lines). The target is a median reload of 0.5 s or less on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from synthetic import copy_project

REPORT = "iran-venezuela"
FACTS = "data/facts/energy.yaml"
FIRST = "value: 2350000"  # the gasoline shipped, as the evidence base has it
# Values whose wording differs at the precision the prose uses (millions, one decimal).
VALUES = (2.4, 2.5, 2.6, 2.7, 2.8, 2.9, 3.1, 3.2, 3.3, 3.4, 3.6, 3.7, 3.8, 3.9)
EPOCH = "1795000000"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOADED = """text => document.readyState === 'complete'
  && !window.beforeTheSave
  && performance.getEntriesByType('navigation')[0].loadEventEnd > 0
  && document.querySelector('main').innerText.includes(text)"""


def spread(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f}, "
        f"n={len(values)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="saves to time (default 10)")
    parser.add_argument("--no-pdf", action="store_true", help="time the reload only")
    args = parser.parse_args()
    if not 1 <= args.runs <= len(VALUES):
        parser.error(f"--runs must be from 1 to {len(VALUES)}")
    if CHROMIUM is None:
        print("benchmarks/preview.py needs Debian's chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-preview-") as tmp:
        project = copy_project(Path(tmp) / "project")
        briefing = [sys.executable, "-m", "briefing"]
        env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
        publish = ["build", REPORT, "-C", str(project), "-f", "html", "-q"]
        subprocess.run([*briefing, *publish], env=env, check=True)
        process = subprocess.Popen(
            [*briefing, "preview", REPORT, "-C", str(project)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
        try:
            address = _address(lines, process)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(address)
                reloads, pdfs = _runs(page, project / FACTS, address, args.runs, not args.no_pdf)
                browser.close()
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    composed = [float(m) for m in re.findall(r"draft \d+ composed in ([\d.]+)s", "".join(lines))]
    print(f"{REPORT}: save -> page reloaded with the new value: {spread(reloads)}")
    if pdfs:
        print(f"{REPORT}: save -> PDF of the new draft received:  {spread(pdfs)}")
    print(
        f"{REPORT}: of which composing each draft (the preview's own lines): {spread(composed[1:])}"
    )
    return 0


def _address(lines: list[str], process: subprocess.Popen) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for line in list(lines):
            if found := re.search(r"http://127\.0\.0\.1:\d+/", line):
                return found.group(0)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise SystemExit("the preview never served:\n" + "".join(lines))


def _runs(page, facts: Path, address: str, runs: int, pdf: bool) -> tuple[list[float], list[float]]:
    reloads: list[float] = []
    pdfs: list[float] = []
    old = FIRST
    for value in VALUES[:runs]:
        new = f"value: {round(value * 1_000_000)}"
        wanted = f"{value:.1f} million barrels"
        text = facts.read_text(encoding="utf-8")
        page.evaluate("window.beforeTheSave = true")
        time.sleep(0.3)  # the page settled, its event stream open
        saved = time.time()
        facts.write_text(text.replace(old, new, 1), encoding="utf-8")
        page.wait_for_function(LOADED, arg=wanted, timeout=30_000, polling=20)
        loaded = page.evaluate(
            "performance.timeOrigin + performance.getEntriesByType('navigation')[0].loadEventEnd"
        )
        reloads.append(loaded / 1000 - saved)
        if pdf:
            response = page.request.get(address + f"{REPORT}.pdf", timeout=120_000)
            assert response.status == 200 and response.body().startswith(b"%PDF")
            pdfs.append(time.time() - saved)
        old = new
    return reloads, pdfs


if __name__ == "__main__":
    sys.exit(main())
