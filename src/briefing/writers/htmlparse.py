"""Kept only for tests/test_speed.py, which still imports these names: the tinyhtml5 pattern
cache is a patch of the print's engine and lives in `engine.py` (`pattern_cache`), applied
around each print. Nothing is changed when this module is imported; `repair()` puts the cache
in place for the caller, who undoes it. Delete this module once that test imports `engine`."""

from __future__ import annotations

from .engine import PatternCache, install_pattern_cache

__all__ = ["PatternCache", "repair"]


def repair() -> None:
    install_pattern_cache()
