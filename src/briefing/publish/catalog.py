"""The output folder's front page (`index.html`) and Atom feed (`feed.xml`): every edition of
every report, newest first, with what changed in a line and the files' checksums.

Both are rebuilt from the editions' manifests alone (never from the documents), written
atomically, and stamped: `.catalog` records which editions they list, so a build killed between
writing them is noticed and mended by the next run, while an unchanged run writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from pathlib import Path

from briefing import __version__
from briefing.base import shaping
from briefing.base.files import checkpoint, write_atomic
from briefing.base.model import long_date
from briefing.base.templating import Outside, locate
from briefing.base.webfonts import embed
from briefing.base.wording import label
from briefing.publish.editions import Edition, EditionStore, all_editions
from briefing.publish.state import EditionRecord
from briefing.writers import REGISTRY

INDEX = "index.html"
FEED = "feed.xml"
STAMP = ".catalog"
LAYOUT = "layouts/index.html.j2"  # packaged; a project's templates/ may override it


def _layout_checksum(templates: Path) -> str:
    """The index template's bytes (the project's, or the package's), read without Jinja2."""
    try:
        found = locate(templates, LAYOUT)
    except Outside:
        return "outside"  # the render will refuse it and say so
    return f"{found.key}:{shaping.file_sha256(found.path)}" if found else "missing"


def catalog_key(
    editions: dict[str, list[Edition]],
    gone: dict[str, list[EditionRecord]],
    base_url: str,
    templates: Path,
) -> str:
    listed = [
        [rid, e.id, e.manifest.fingerprint, e.sequence]
        for rid, eds in sorted(editions.items())
        for e in eds
    ]
    removed = [[rid, r.id, r.status, r.gone] for rid, rs in sorted(gone.items()) for r in rs]
    # The index and feed are made by Jinja2 and feedgen: an upgrade of either remakes them, and
    # so does an edit to the index template.
    layout = _layout_checksum(templates)
    whole = json.dumps([listed, removed, base_url, shaping.digest([shaping.CATALOG]), layout])
    return hashlib.sha256(whole.encode()).hexdigest()


def is_fresh(output: Path, key: str) -> bool:
    stamp = output / STAMP
    return (
        stamp.is_file()
        and (output / INDEX).is_file()
        and (output / FEED).is_file()
        and stamp.read_text(encoding="ascii").strip() == key
    )


def refresh(output: Path, templates: Path, force: bool = False, base_url: str = "") -> bool:
    """Rewrite index and feed if they do not list exactly the editions on disk and the
    records of those that are gone. The check reads manifests and the state store only;
    Jinja2 and feedgen load only when something is to be written. `base_url`: the output
    folder's public address, which makes every link absolute (a feed reader or a forwarded
    page needs them); empty keeps them relative."""
    editions = all_editions(output)
    gone = {rid: EditionStore(output, rid).history() for rid in editions} if editions else {}
    key = catalog_key(editions, gone, base_url, templates)
    if not force and is_fresh(output, key):
        return False
    write_atomic(output / INDEX, render_index(editions, templates, gone, base_url).encode("utf-8"))
    checkpoint("index")
    write_atomic(output / FEED, render_feed(editions, base_url))
    write_atomic(output / STAMP, (key + "\n").encode("ascii"))
    return True


def _rows(
    editions: dict[str, list[Edition]], gone: dict[str, list[EditionRecord]], base_url: str
) -> list[dict]:
    reports = []
    for rid, eds in sorted(editions.items()):
        if not eds:
            continue
        newest = eds[-1]
        reports.append(
            {
                "id": rid,
                "title": newest.manifest.title or rid,
                "subtitle": newest.manifest.subtitle,
                "editions": [_row(e, e is newest, base_url) for e in reversed(eds)],
                "gone": [_gone(r) for r in reversed(gone.get(rid, []))],
            }
        )
    return reports


def _gone(r: EditionRecord) -> dict:
    """An edition that existed and was removed: its record, with no links."""
    from datetime import date

    return {
        "id": r.id,
        "generated": long_date(date.fromisoformat(r.generated)),
        "generated_iso": r.generated,
        "gone": long_date(date.fromisoformat(r.gone[:10])) if r.gone else "",
        "gone_iso": r.gone[:10],
        "reason": r.reason or label("gone_reason"),
        "summary": r.details.get("summary", ""),
        "files": [
            {"format": f.get("format", ""), "sha256": f.get("sha256", "")}
            for f in r.details.get("files", [])
        ],
    }


def _row(e: Edition, newest: bool, base_url: str = "") -> dict:
    base = f"{base_url}{e.report}/editions/{e.id}"
    return {
        "id": e.id,
        "newest": newest,
        "generated": long_date(e.generated),
        "generated_iso": e.generated.isoformat(),
        "current_to": e.manifest.current_to_text,
        "summary": e.summary,
        "files": [
            {**f.to_json(), "href": f"{base}/{f.name}", "size": _size(f.bytes)}
            for f in e.manifest.files
        ],
    }


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return (
                f"{n} {unit}"
                if unit == "bytes"
                else f"{n:.0f} {unit}"
                if n >= 10
                else f"{n:.1f} {unit}"
            )
        n /= 1024
    return f"{n} bytes"


def render_index(
    editions: dict[str, list[Edition]],
    templates: Path,
    gone: dict[str, list[EditionRecord]] | None = None,
    base_url: str = "",
) -> str:
    import jinja2

    from briefing.base.templating import environment

    env = environment(templates, autoescape=True, undefined=jinja2.StrictUndefined)
    page = env.get_template(LAYOUT).render(
        reports=_rows(editions, gone or {}, base_url),
        version=__version__,
        base=base_url,
        label=label,
    )
    return embed(page)  # the house faces it uses, as the reports' pages carry them


def render_feed(editions: dict[str, list[Edition]], base_url: str = "") -> bytes:
    from feedgen.feed import FeedGenerator

    rows = sorted(
        (e for eds in editions.values() for e in eds), key=lambda e: (_built(e), e.report, e.id)
    )
    titles = sorted({e.manifest.title or e.report for e in rows})
    fg = FeedGenerator()
    fg.id(_urn("feed", *sorted(editions)))
    fg.title(titles[0] if len(titles) == 1 else label("index_heading"))
    fg.subtitle(label("feed_subtitle"))
    fg.link(href=base_url + FEED, rel="self", type="application/atom+xml")
    fg.link(href=base_url + INDEX, rel="alternate", type="text/html")
    fg.generator("briefing", version=__version__)
    fg.language("en")
    fg.updated(_built(rows[-1]) if rows else datetime.fromtimestamp(0).astimezone())
    for e in rows:
        m = e.manifest
        entry = fg.add_entry(order="prepend")
        entry.id(_urn("edition", e.report, e.id, e.fingerprint))
        entry.title(label("feed_entry", title=m.title or e.report, date=long_date(e.generated)))
        entry.author({"name": m.author or label("feed_author")})
        entry.published(_built(e))
        entry.updated(_built(e))
        entry.content(
            f"{label('current_to')} {m.current_to_text or label('unknown_date')}. "
            f"{label('what_changed_lead')} {e.summary}.",
            type="text",
        )
        entry.register_extension("files", _FileLinks, atom=True, rss=False)
        entry.files.links = [
            {
                "href": f"{base_url}{e.report}/editions/{e.id}/{f.name}",
                "rel": "alternate" if REGISTRY[f.format].primary else "enclosure",
                "type": REGISTRY[f.format].media_type,
                "length": str(f.bytes),
            }
            for f in m.files
        ]
    return fg.atom_str(pretty=True)


class _FileLinks:
    """Entry links written with all their attributes. feedgen 1.0.0 drops everything but
    `href` from entry links (lkiesow/python-feedgen#135), which would turn the PDF and DOCX
    enclosures into alternates; its extension hook lets us write them whole."""

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []

    def extend_ns(self) -> dict:
        return {}

    def extend_atom(self, entry):
        from feedgen.util import xml_elem

        for link in self.links:
            xml_elem("link", entry, **link)
        return entry

    def extend_rss(self, item):
        return item


def _built(e: Edition) -> datetime:
    return datetime.fromisoformat(e.manifest.built_at)


def _urn(*parts: str) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "briefing:" + "/".join(parts)))
