"""The drafts `briefing preview` shows: one report recomposed in this process after each save,
as the next `build` would compose it, and kept in memory.

A draft goes through the build's own steps (pipeline.py, render.py): the report definition read,
its evidence loaded and checked, its charts and templates checked (`check_report`), the document
composed (`compose`) and the HTML rendered by the HTML writer, with its typefaces embedded as the
HTML file has them. Only the HTML is made on each save; the PDF is printed from the same rendering
when it is asked for, once per draft.

Nothing is written where anything published lives: no edition, no `current` link, no top-level
file, no index, feed or state store, and the output folder's lock is not taken (a build may run
beside a preview). The newest published edition is read, so that the draft says what changed
since it, as the next edition will; charts drawn by earlier builds are read from the output
folder's chart cache, and any new drawing goes to the preview's own scratch folder.

Bad input never replaces a good draft: `rebuild` keeps the last good draft and records the
problems (`path:line: message`, as a build prints them) beside it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from briefing.base.errors import InputError, Problem, Problems
from briefing.publish.editions import Edition, EditionStore
from briefing.publish.fingerprint import fingerprint
from briefing.publish.pipeline import check_evidence, check_report, select_reports
from briefing.publish.render import Job, Plan, compose, write_context
from briefing.writers import FORMATS as ALL_FORMATS
from briefing.writers import REGISTRY, WriteContext, chosen_options, write_format

if TYPE_CHECKING:
    from briefing.base.model import Document

# What a draft is composed for: the page, and the print of that page on request.
FORMATS = ("html", "pdf")


@dataclass
class Draft:
    """One good draft: the page as the HTML file would hold it, and what its print needs."""

    number: int  # counts the good drafts of this preview, from 1
    report: str
    title: str
    html: str
    seconds: float  # from the start of the rebuild to the page
    doc: Document = field(repr=False)
    ctx: WriteContext = field(repr=False)
    pdf: bytes | None = field(default=None, repr=False)
    printing: threading.Lock = field(default_factory=threading.Lock, repr=False)


class Preview:
    """One report's drafts. `rebuild` after each save; `draft` is the last good one and
    `problems` what is wrong with the inputs now (empty when the newest draft is good)."""

    def __init__(
        self,
        root: Path,
        output: Path,
        report: str,
        scratch: Path,
        warn: Callable[[str], None] = print,
    ):
        self.root, self.output, self.report = root, output, report
        self.scratch = scratch  # new chart drawings and the print go here, nowhere else
        self.warn = warn
        self.draft: Draft | None = None
        self.problems: list[Problem] = []
        self.options = chosen_options(FORMATS, {})
        self._building = threading.Lock()

    def rebuild(self) -> bool:
        """A new draft from the inputs as they are now; False if they have a problem (then
        `problems` lists them and the last good draft stays)."""
        with self._building:
            started = time.perf_counter()
            try:
                doc, ctx, html = self._compose()
            except InputError as exc:
                self.problems = list(exc.problems)
                return False
            self.problems = []
            number = self.draft.number + 1 if self.draft is not None else 1
            seconds = time.perf_counter() - started
            self.draft = Draft(number, self.report, doc.title, html, seconds, doc, ctx)
            return True

    def _compose(self) -> tuple[Document, WriteContext, str]:
        from briefing.base.webfonts import embed
        from briefing.writers.html import HtmlWriter

        problems = Problems()
        specs = select_reports(self.root, [self.report], problems)
        problems.raise_if_any()
        spec = specs[0]
        store = EditionStore(self.output, spec.id)
        previous = store.newest()  # read only: what the draft says changed since
        for message in store.warnings:
            self.warn(message)
        # Fingerprinted as the newest edition was built (its formats and options, not the
        # preview's, which make no Word file), so that "unchanged" means what a build means.
        if previous is not None:
            formats, options = _built_with(previous)
            fp = fingerprint(spec, self.root, formats, options, previous.manifest.inputs)
        else:
            fp = fingerprint(spec, self.root, FORMATS, self.options, None)
        if previous is not None and fp.digest == previous.fingerprint:
            # Nothing changed since the newest edition: the next build publishes nothing, so
            # the draft is that edition, which says what changed since the one before it.
            previous = _before(store, previous)
        ev = check_evidence([spec], self.root, problems)[spec.id]
        problems.raise_if_any()
        check_report(spec, ev, self.root, problems, previous is not None)
        problems.raise_if_any()
        job = Job(self.root, self.output, self.scratch, FORMATS, self.options)
        _composer, doc = compose(job, Plan(spec, store, fp, previous), ev, _quiet, self.warn)
        ctx = write_context(job, spec)
        return doc, ctx, embed(HtmlWriter().html(doc, ctx))

    def pdf(self, draft: Draft) -> bytes:
        """The draft printed, as the PDF of an edition would be; printed once per draft, on
        request. Raises InputError (as a build would) if the print finds a problem."""
        with draft.printing:
            if draft.pdf is None:
                REGISTRY["pdf"].check_system()
                target = self.scratch / f"{draft.report}-{draft.number}.pdf"
                try:
                    write_format("pdf", draft.doc, target, draft.ctx)
                    draft.pdf = target.read_bytes()
                finally:
                    target.unlink(missing_ok=True)
            return draft.pdf


def _built_with(edition: Edition) -> tuple[tuple[str, ...], dict[str, str]]:
    """The formats an edition holds and the options it was built with."""
    formats = tuple(f for f in ALL_FORMATS if edition.manifest.file(f) is not None)
    given = {k: str(v) for k, v in edition.manifest.options.items()}
    return formats, chosen_options(formats, given)


def _before(store: EditionStore, edition: Edition) -> Edition | None:
    """The edition `edition` says what changed since (its manifest's `previous`), if it is
    still on disk; None for a first edition."""
    wanted = edition.manifest.previous
    return next((e for e in store.list() if e.id == wanted), None) if wanted else None


def _quiet(_message: str) -> None:
    """A draft's progress (a chart being drawn...) is not worth a line on every save."""
