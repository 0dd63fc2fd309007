"""The page each section starts on, found by laying the Word file out with LibreOffice.

Word computes a contents list's page numbers only when the reader accepts its "update fields"
prompt; a number written into the file instead must come from a real layout, never a guess.
LibreOffice is the layout at hand: it opens the finished file (the contents as plain PAGEREF
fields, which it computes as it paginates) and saves it again as Word, and each PAGEREF's
result in that copy is the page its heading landed on. One run costs a few seconds, spent only
when the Word file is written (an up-to-date report is not rebuilt), in the worker that writes
it, while the PDF prints.

LibreOffice runs with a profile of its own in a temporary folder (two runs sharing one would
collide), in the worker's process group (stopping the worker stops it) or, in the build's own
process, in a group of its own that is killed if the build unwinds. Anything short of a number
for every heading (no LibreOffice, a failure, a time-out) gives None: the caller then leaves
the numbers to Word.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

from briefing.base import office

TIMEOUT = 120  # seconds; a layout takes a few
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def pages(data: bytes, anchors: list[str]) -> dict[str, int] | None:
    """Bookmark name -> the page it lands on, for every one of `anchors`, when LibreOffice laid
    out `data` (a .docx whose contents entries are PAGEREF fields to them); otherwise None."""
    program = office.program()
    if program is None or not anchors:
        return None
    with tempfile.TemporaryDirectory(prefix="briefing-layout-") as tmp:
        folder = Path(tmp)
        source = folder / "layout.docx"
        source.write_bytes(data)
        out = folder / "out"
        args = [
            program,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ]
        if not _run(args) or not (out / source.name).is_file():
            return _failed("LibreOffice did not lay the file out")
        try:
            with zipfile.ZipFile(out / source.name) as z:
                found = page_references(z.read("word/document.xml"))
        except (OSError, zipfile.BadZipFile, KeyError, etree.XMLSyntaxError):
            return _failed("LibreOffice's layout could not be read")
    result = {a: found[a] for a in anchors if a in found}
    if len(result) != len(anchors):
        return _failed("LibreOffice's layout lacks a section's page")
    return result


def _run(args: list[str]) -> bool:
    """LibreOffice (a launcher and the office process it starts) to its end. In a worker it
    stays in the worker's process group, which is stopped with the worker; in the build's own
    process it gets a group of its own, killed if the build unwinds (a signal, a time-out)."""
    own_group = multiprocessing.parent_process() is None
    process = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=own_group,
    )
    try:
        return process.wait(timeout=TIMEOUT) == 0
    except subprocess.TimeoutExpired:
        return False
    finally:
        if process.poll() is None:
            with contextlib.suppress(OSError):
                if own_group:
                    os.killpg(process.pid, signal.SIGKILL)
                else:
                    for pid in [*_descendants(process.pid), process.pid]:
                        os.kill(pid, signal.SIGKILL)
            process.wait()


def _descendants(pid: int) -> list[int]:
    """The processes below `pid`, from /proc (Linux; elsewhere none are found)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = entry.read_text().rsplit(")", 1)[1].split()
            parents[int(entry.parent.name)] = int(fields[1])
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, p in parents.items() if p == parent]
        found += children
        todo += children
    return found


def _failed(why: str) -> None:
    print(f"briefing: {why}; the Word file's contents ask Word for their pages", file=sys.stderr)
    return None


def page_references(document: bytes) -> dict[str, int]:
    """Each PAGEREF field's target -> its result as a number, from a document.xml: complex
    fields (begin, instruction, separate, result, end; nested ones too) and simple ones."""
    root = etree.fromstring(document)
    found: dict[str, int] = {}
    stack: list[dict] = []  # open fields: their instruction and result so far
    for el in root.iter(f"{W}fldChar", f"{W}instrText", f"{W}t", f"{W}fldSimple"):
        tag = el.tag[len(W) :]
        if tag == "fldSimple":
            _record(found, el.get(f"{W}instr", ""), "".join(el.itertext()))
        elif tag == "fldChar":
            kind = el.get(f"{W}fldCharType")
            if kind == "begin":
                stack.append({"instr": "", "result": "", "in_result": False})
            elif kind == "separate" and stack:
                stack[-1]["in_result"] = True
            elif kind == "end" and stack:
                field = stack.pop()
                _record(found, field["instr"], field["result"])
        elif stack:
            field = stack[-1]
            if tag == "instrText" and not field["in_result"]:
                field["instr"] += el.text or ""
            elif tag == "t" and field["in_result"]:
                field["result"] += el.text or ""
    return found


def _record(found: dict[str, int], instruction: str, result: str) -> None:
    words = instruction.split()
    if len(words) >= 2 and words[0].upper() == "PAGEREF" and result.strip().isdigit():
        found.setdefault(words[1], int(result.strip()))
