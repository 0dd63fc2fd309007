"""Reading and checking the inputs: report files, facts, sources, judgments, chart declarations
and the project's settings (`briefing.toml`), every problem reported as `path:line`.

What comes out are the typed specs (`specs.py`) the floors above take. Imports only the ground
floor (`briefing.base`).
"""
