"""Kept only for tests/test_hostile_build.py, which still imports `html_document` from here: the
lean default stylesheet is a patch of the print's engine and lives in `engine.py` (`LeanHTML`,
`needs_default`). Delete this module once that test imports `engine`."""

from __future__ import annotations

from .engine import html_document, needs_default

__all__ = ["html_document", "needs_default"]
