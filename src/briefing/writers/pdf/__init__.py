"""The PDF writer: the HTML rendering printed by WeasyPrint (`writer.py`), with the changes to
the engine's internals kept in one pinned, switchable module (`engine.py`) and break
opportunities for long tokens (`breaks.py`).
"""
