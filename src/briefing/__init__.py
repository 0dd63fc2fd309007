"""briefing: sourced facts, prose templates and charts into one briefing, in PDF, DOCX and HTML."""

__version__ = "0.1.0"
# The distribution's name on PyPI (pyproject.toml): `briefing` there is another project. The
# import package and the command are `briefing`.
DISTRIBUTION = "briefing-desk"
