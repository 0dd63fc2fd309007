"""The web server of `briefing preview`: one report's draft (preview.py) on 127.0.0.1, rebuilt on
every save and reloaded in the open page by itself.

Libraries: Starlette (the app) on uvicorn (the server), both well kept and the pair uvicorn's own
reloader is built for; the page learns of a new draft through Server-Sent Events (the browser's
EventSource, which reconnects by itself), and saves are noticed by watchfiles' `awatch` (inotify
and its kin, through the Rust `notify` crate), which groups the writes of one save.

The page is the draft's HTML as the HTML file would hold it, with three things added that never
reach a published file: a band at the top ("Draft, not published", the link to the PDF of the
draft and the problems, if any), its stylesheet and a small script that reloads the page when the
draft changes. Those two are served from this server's own address, so the page keeps to a strict
Content-Security-Policy (sent with it): nothing inline runs, nothing outside loads.

    /                 the draft, with the band
    /<report>.pdf     the draft printed, on request (once per draft)
    /_preview/events  the draft's version, sent again whenever it changes (text/event-stream)
    /_preview/*.js, *.css   the band's script and stylesheet
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import secrets
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Route

from briefing.base.errors import InputError, Problem
from briefing.base.sharedlibs import MissingLibrary
from briefing.base.stopping import SIGNALS
from briefing.base.wording import counted
from briefing.publish.preview import Draft, Preview

WATCHED = ("reports", "data", "templates")
HOST = "127.0.0.1"
# watchfiles yields a save once no other change came for STEP ms (the writes of one save
# arrive together), and after at most DEBOUNCE ms of changes: a short wait, as the page is
# meant to follow a save within half a second.
STEP_MS = 20
DEBOUNCE_MS = 200
PREFIX = "/_preview"
# The page may load only what it holds (data: URIs) and this server's band script and styles.
POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' "
    "'unsafe-inline'; img-src 'self' data:; font-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
NO_STORE = {"Cache-Control": "no-store"}

RELOAD_JS = """\
// Reloads the draft when the preview server has a newer one (briefing preview), at the place
// the reader was. The place is kept here rather than left to the browser, whose restoration
// anchors on the content and so scrolled the title under the band when a list of problems
// appeared above it.
(() => {
  const shown = document.querySelector('meta[name="briefing-draft"]');
  if (!shown) return;
  const KEY = "briefing-draft-scroll";
  history.scrollRestoration = "manual";
  const saved = sessionStorage.getItem(KEY);
  if (saved !== null) {
    const place = () => window.scrollTo(0, Number(saved));
    place();
    window.addEventListener("load", () => { place(); sessionStorage.removeItem(KEY); });
  }
  const events = new EventSource("/_preview/events");
  events.addEventListener("version", (event) => {
    if (event.data !== shown.content) {
      events.close();
      sessionStorage.setItem(KEY, String(window.scrollY));
      window.location.reload();
    }
  });
})();
"""

BAND_CSS = """\
.briefing-draft {
  position: sticky; top: 0; z-index: 1000; margin: 0;
  font: 0.95rem/1.45 system-ui, sans-serif;
}
.briefing-draft-band {
  margin: 0; padding: 0.4rem 1rem;
  display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem; align-items: baseline;
  background: #7a1f1f; color: #fff; font-weight: 600;
  border-bottom: 3px solid #f2c94c;
}
.briefing-draft-band a { color: #fff; text-decoration: underline; }
.briefing-draft-band .briefing-draft-when { font-weight: 400; }
.briefing-draft-problems {
  margin: 0; padding: 0.7rem 1rem; max-height: 40vh; overflow: auto;
  background: #fff4e5; color: #3b2300; border-bottom: 2px solid #b3541e;
}
.briefing-draft-problems h2 { font: 600 1rem/1.4 system-ui, sans-serif; margin: 0 0 0.4rem; }
.briefing-draft-problems ul { margin: 0; padding-left: 1.2rem; }
.briefing-draft-problems code { white-space: pre-wrap; font-size: 0.9rem; }
@media print { .briefing-draft { display: none; } }
"""

_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_BODY_START = re.compile(r"<body\b[^>]*>", re.IGNORECASE)

T = TypeVar("T")


class Shown:
    """What the page shows now (the last good draft and the problems of the inputs, as they
    stood after the last rebuild), under a version that changes whenever that does; a page
    showing another version reloads."""

    def __init__(self, preview: Preview):
        self.preview = preview
        self.draft: Draft | None = None
        self.problems: list[Problem] = []
        self.session = secrets.token_hex(4)  # a restarted server's page reloads too
        self.count = 0
        self.seen: tuple[str | None, tuple[str, ...]] | None = None
        self.changed = asyncio.Event()

    @property
    def version(self) -> str:
        return f"{self.session}-{self.count}"

    def update(self) -> bool:
        """Take the preview's state; True if the page must change (a save that changes
        nothing the page shows reloads nothing)."""
        draft, problems = self.preview.draft, list(self.preview.problems)
        now = (draft.html if draft else None, tuple(str(p) for p in problems))
        if now == self.seen:
            return False
        self.seen, self.draft, self.problems = now, draft, problems
        self.count += 1
        changed, self.changed = self.changed, asyncio.Event()
        changed.set()  # every open page's event stream sends the new version
        return True


def page(shown: Shown) -> str:
    """The draft with the band, its stylesheet, its script and its version added."""
    draft, problems = shown.draft, shown.problems
    head = (
        f'<meta name="briefing-draft" content="{shown.version}">'
        f'<link rel="stylesheet" href="{PREFIX}/band.css">'
        f'<script src="{PREFIX}/reload.js" defer></script>'
        # No icon to fetch: a browser would ask for /favicon.ico and log the 404 on every reload.
        '<link rel="icon" href="data:,">'
    )
    band = _band(draft, problems)
    if draft is None:
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>Draft of {html.escape(shown.preview.report)}</title>{head}</head>"
            f"<body>{band}</body></html>"
        )
    text = _HEAD_END.sub(lambda m: head + m.group(0), draft.html, count=1)
    return _BODY_START.sub(lambda m: m.group(0) + band, text, count=1)


def _band(draft: Draft | None, problems: list[Problem]) -> str:
    parts = ['<div class="briefing-draft"><div class="briefing-draft-band">']
    parts.append("<span>Draft — not published</span>")
    if draft is not None:
        parts.append(
            f'<span class="briefing-draft-when">draft {draft.number}, composed in '
            f"{draft.seconds:.2f} s</span>"
        )
        parts.append(f'<a href="/{html.escape(draft.report)}.pdf">PDF of this draft</a>')
    parts.append("</div>")
    if problems:
        kept = (
            "the page shows the last good draft"
            if draft is not None
            else "no draft could be made yet"
        )
        items = "".join(f"<li><code>{html.escape(str(p))}</code></li>" for p in problems)
        parts.append(
            '<section class="briefing-draft-problems" role="alert">'
            f"<h2>{counted(len(problems), 'problem')} in the input; {kept}</h2>"
            f"<ul>{items}</ul></section>"
        )
    parts.append("</div>")
    return "".join(parts)


def _in_thread(work: Callable[[], T]) -> Awaitable[T]:
    """`work` in a daemon thread of its own: a print still running when the server stops
    must not hold the process (the default executor's threads are joined at exit)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def run() -> None:
        try:
            result = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
            loop.call_soon_threadsafe(_settle, future, None, exc)
        else:
            loop.call_soon_threadsafe(_settle, future, result, None)

    threading.Thread(target=run, daemon=True, name="briefing-preview").start()
    return future


def _settle(future: asyncio.Future, result: object, exc: BaseException | None) -> None:
    if future.cancelled():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


def warm_print() -> None:
    """WeasyPrint imported in the background (about a second), so the first click on the
    PDF link does not wait for it; a save meanwhile is composed all the same."""

    def load() -> None:
        with contextlib.suppress(Exception):
            import briefing.writers.pdf.writer  # noqa: F401

    threading.Thread(target=load, daemon=True, name="briefing-preview-warm").start()


def rebuild(preview: Preview, say: Callable[[str], None]) -> None:
    """One draft, with what the terminal shows of it: the draft made, or each problem as
    `path:line: message` on stderr (as a build prints them)."""
    try:
        good = preview.rebuild()
    except Exception:  # noqa: BLE001 - a bug in briefing must not end the preview
        traceback.print_exc()
        preview.problems = [
            Problem("briefing", None, "internal error (a bug in briefing, not in your files)")
        ]
        good = False
    if good and preview.draft is not None:
        d = preview.draft
        say(f"{d.report}: draft {d.number} composed in {d.seconds:.2f}s")
        return
    for problem in preview.problems:
        print(problem, file=sys.stderr, flush=True)
    kept = "the page keeps the last good draft" if preview.draft else "no draft yet"
    print(
        f"briefing: {counted(len(preview.problems), 'problem')} in the input; {kept}",
        file=sys.stderr,
        flush=True,
    )


def app(
    shown: Shown, folders: list[Path], say: Callable[[str], None], stopping: Callable[[], bool]
) -> Starlette:
    """The Starlette application: the routes above, and the watch of `folders` for its
    lifetime."""
    preview = shown.preview

    async def draft_page(_request: Request) -> Response:
        headers = {**NO_STORE, "Content-Security-Policy": POLICY}
        return HTMLResponse(page(shown), headers=headers)

    async def pdf(request: Request) -> Response:
        draft = shown.draft
        if draft is None or request.path_params["report"] != draft.report:
            return Response("no such draft\n", 404, media_type="text/plain")
        started = time.perf_counter()
        try:
            data = await _in_thread(lambda: preview.pdf(draft))
        except InputError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr, flush=True)
            text = "\n".join(str(p) for p in exc.problems)
            return Response(f"The draft cannot be printed:\n{text}\n", 422, media_type="text/plain")
        except MissingLibrary as exc:  # no Pango: the page works, the print cannot
            print(f"briefing: {exc}", file=sys.stderr, flush=True)
            return Response(f"The draft cannot be printed: {exc}\n", 503, media_type="text/plain")
        say(f"{draft.report}: PDF of draft {draft.number} in {time.perf_counter() - started:.1f}s")
        disposition = f'inline; filename="{draft.report}-draft-{draft.number}.pdf"'
        headers = {**NO_STORE, "Content-Disposition": disposition}
        return Response(data, media_type="application/pdf", headers=headers)

    async def events(_request: Request) -> Response:
        async def stream() -> AsyncIterator[str]:
            sent = None
            yield "retry: 300\n\n"
            while not stopping():  # a page that goes away ends it too (Starlette cancels it)
                if sent != shown.version:
                    sent = shown.version
                    yield f"event: version\ndata: {sent}\n\n"
                waiting = shown.changed
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiting.wait(), 0.5)

        headers = {**NO_STORE, "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    async def script(_request: Request) -> Response:
        return Response(RELOAD_JS, media_type="text/javascript", headers=NO_STORE)

    async def styles(_request: Request) -> Response:
        return Response(BAND_CSS, media_type="text/css", headers=NO_STORE)

    async def watch(stop: asyncio.Event) -> None:
        from watchfiles import awatch

        async for batch in awatch(
            *folders, step=STEP_MS, debounce=DEBOUNCE_MS, stop_event=stop, rust_timeout=500
        ):
            # (an editor's temporary files, gone by now, are left out of the list)
            paths = {Path(path) for _, path in batch}
            names = sorted({p.name for p in paths if p.exists()} or {p.name for p in paths})
            say(f"changed: {', '.join(names)}")
            await _in_thread(lambda: rebuild(preview, say))
            shown.update()

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        shown.changed = asyncio.Event()  # made on the server's own loop
        stop = asyncio.Event()
        watcher = asyncio.create_task(watch(stop))
        try:
            yield
        finally:
            stop.set()
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(watcher, 2)

    return Starlette(
        routes=[
            Route("/", draft_page),
            Route("/{report}.pdf", pdf),
            Route(f"{PREFIX}/events", events),
            Route(f"{PREFIX}/reload.js", script),
            Route(f"{PREFIX}/band.css", styles),
        ],
        lifespan=lifespan,
        # Only a page opened on this machine's own address: a web page elsewhere that points
        # a name of its own at 127.0.0.1 (DNS rebinding) is refused.
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=[HOST, "localhost"])],
    )


class PortBusy(Exception):
    pass


def listen(port: int) -> socket.socket:
    """A socket listening on 127.0.0.1:`port` (0: a free port); PortBusy if it is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise PortBusy(f"port {port} on {HOST} is in use ({exc.strerror})") from None
    sock.listen(64)
    return sock


def serve(
    preview: Preview,
    sock: socket.socket,
    root: Path,
    say: Callable[[str], None],
    ready: Callable[[str], None],
    stops: list[int],
) -> int:
    """Serve the preview on `sock` until SIGINT, SIGTERM or SIGHUP (each added to `stops`,
    which may already hold one: then it stops at once); `ready` is given the address once a
    browser can open it. Returns the signal that stopped it."""
    folders = [root / name for name in WATCHED if (root / name).is_dir()]
    shown = Shown(preview)
    shown.update()
    server: _Server | None = None

    def stopping() -> bool:
        return server is not None and server.should_exit

    config = uvicorn.Config(
        app(shown, folders, say, stopping),
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    address = f"http://{HOST}:{sock.getsockname()[1]}/"
    server = _Server(config, lambda: ready(address), stops)
    server.run(sockets=[sock])
    return stops[0] if stops else signal.SIGINT


class _Server(uvicorn.Server):
    """uvicorn's server, told when it is listening, and stopped by the signals every briefing
    command answers (base/stopping.py) without raising them again once it has stopped."""

    def __init__(self, config: uvicorn.Config, started: Callable[[], None], stops: list[int]):
        super().__init__(config)
        self.announce = started
        self.stops = stops

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self.announce()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        before = {s: signal.signal(s, self._stop) for s in SIGNALS}
        self.should_exit = bool(self.stops)  # one came before these handlers took over
        try:
            yield
        finally:
            for s, handler in before.items():
                signal.signal(s, handler)

    def _stop(self, signum: int, _frame: object) -> None:
        if self.should_exit:
            self.force_exit = True  # a second Ctrl-C: no more waiting
        self.stops.append(signum)
        self.should_exit = True
