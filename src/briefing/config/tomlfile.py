"""Reading a TOML file (the project's `briefing.toml`) into the located mappings the schema
layer checks, as `yamlfile.py` does for YAML: each table, and each key in it, knows its line.

tomllib reports no positions for values, so the lines come from the text itself: where each
`[table]` header and each `key =` sits. A file that cannot be read is one `path:line` problem.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from briefing.base.errors import InputError
from briefing.config.yamlfile import LocatedDict


def _lines(text: str) -> dict[tuple[str, str], int]:
    """Where each `key =` sits, by table ("" for the table's own header line)."""
    where: dict[tuple[str, str], int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[\s*([A-Za-z0-9_.-]+)\s*\]", stripped)
        if header:
            table = header.group(1)
            where.setdefault((table, ""), number)
            continue
        key = re.match(r"^\"?([A-Za-z0-9_-]+)\"?\s*=", stripped)
        if key:
            where.setdefault((table, key.group(1)), number)
    return where


def _located(value: dict, line: int | None, lines: dict[str, int | None]) -> LocatedDict:
    out = LocatedDict(value)
    out.line, out.key_lines = line, lines
    return out


def read_toml(path: Path, shown: str) -> LocatedDict:
    """The file's tables by name, each a LocatedDict; InputError when it is not TOML."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise InputError.one(shown, None, "not UTF-8 text; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise InputError.one(shown, line, f"not valid TOML: {reason}") from None
    except OSError as exc:
        raise InputError.one(shown, None, f"cannot be read ({exc.strerror})") from None
    where = _lines(text)
    tables = {
        name: _located(v, where.get((name, "")), {k: where.get((name, k)) for k in v})
        if isinstance(v, dict)
        else v
        for name, v in data.items()
    }
    return _located(tables, None, {t: where.get((t, ""), where.get(("", t))) for t in data})
