"""Composition: one report's templates and evidence into the typed document (`document.py`).

Prose templates render (`prose.py`) to Markdown that becomes blocks (`markdown.py`); notes are
numbered (`notes.py`); the house sourcing rules are checked (`attribution.py`); what changed since
the previous edition is found from evidence snapshots (`snapshot.py`, `changes.py`). Imports
charts, config and the ground floor.
"""
