"""Charts: from a declaration (whose common fields `briefing.config` checks) and the evidence to
the values plotted and the drawing. One module per kind in `kinds/`, each declaring a `ChartKind`
(`kind.py`) in the registry there; `data.py` checks a declaration against its kind and prepares
it, `draw.py` draws it and keeps the drawings; what the kinds share is in `plot.py` (data) and
`style.py` (drawing), the house face in `fonts.py`.

Imports `briefing.config` and `briefing.base` only; composition and the writers read what it
draws.
"""
