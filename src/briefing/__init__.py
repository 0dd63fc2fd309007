"""briefing: sourced facts, prose templates and charts into one briefing, in PDF, DOCX and HTML."""

__version__ = "0.1.0"
