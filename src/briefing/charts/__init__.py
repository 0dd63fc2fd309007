"""Charts: from a declaration (checked by `briefing.config`) and the evidence to the values plotted
(`data.py`) and the drawing (`draw.py`, with the house face in `fonts.py`).

Imports `briefing.config` and `briefing.base` only; composition and the writers read what it
draws.
"""
