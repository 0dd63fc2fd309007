"""Publishing: the pipeline a build runs (`pipeline.py`: lock, decide, validate, compose, render,
publish), the up-to-date decision (`fingerprint.py`), the editions store and the state store,
staging, the worker pool, the front page and feed (`catalog.py`), pruning, and the drafts
`briefing preview` shows (`preview.py`) with its web server (`server.py`).

Renders through `briefing.writers`; imports the floors below, never `deliver` or `cli`.
"""
