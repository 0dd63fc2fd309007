"""WeasyPrint alone: print one HTML file to PDF, as the build does, and nothing else.

The yardstick for the cold build. It imports only WeasyPrint (never briefing), and does the
same job the build's PDF writer does: the same house typefaces declared by @font-face, a tagged
PDF/UA-1 file. A build can only be compared fairly with a print of the same document to the same
standard.

    python benchmarks/print_only.py IN.html OUT.pdf FONT.ttf...   (fonts named family-weight-style)
"""

from __future__ import annotations

import sys
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

FAMILIES = {"source-serif-4": "Source Serif 4", "source-sans-3": "Source Sans 3"}


def face_rule(path: Path) -> str:
    slug, weight, style = path.stem.rsplit("-", 2)
    return (
        f'@font-face {{ font-family: "{FAMILIES[slug]}"; src: url("{path.as_uri()}"); '
        f"font-weight: {weight}; font-style: {style}; }}"
    )


def main() -> None:
    source, target, *font_files = sys.argv[1:]
    config = FontConfiguration()
    faces = CSS(string="\n".join(face_rule(Path(f)) for f in font_files), font_config=config)
    HTML(filename=source).write_pdf(
        target, stylesheets=[faces], font_config=config, pdf_variant="pdf/ua-1", pdf_tags=True
    )


if __name__ == "__main__":
    main()
