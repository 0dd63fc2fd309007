"""The ground floor: the typed document model and the small helpers every floor above uses.

Nothing here imports from another floor of the package. The model (`model.py`) is what writers
read; quantities (`units.py`, `derive.py`), the wording table (`wording.py`), text checks,
typography, templating, files written atomically, processes, the clock, stopping, caches,
system libraries, the house fonts and the list of what shapes the output (`shaping.py`).
"""
