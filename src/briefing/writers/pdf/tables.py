"""Table headers in the PDF's structure tree that say what they head.

WeasyPrint tags every header cell as /TH with an /ID and links each data cell to its headers
(/Headers), but writes no /Scope. PDF/UA-1 (and the Matterhorn protocol's checkpoint 15-003)
asks for one of the two and some assistive software reads only /Scope, so the `pdfua` checker
warns about every table. This post-step, run on the finished object list before it is
written, gives each /TH the scope its row shows: a header in a row that also holds data cells
heads that row (/Row); a header in a row of headers heads its column (/Column). That is what
HTML's `scope` means for the simple tables the layouts make (a row of column headers over rows
of data); nothing of WeasyPrint's is changed, only the dictionaries it made.
"""

from __future__ import annotations

import pydyf


def _elements(pdf: pydyf.PDF) -> dict[bytes, pydyf.Dictionary]:
    """Every structure element of the file, by the reference its parent and kids use."""
    return {
        obj.reference: obj
        for obj in pdf.objects
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem"
    }


def scope_headers(pdf: pydyf.PDF) -> int:
    """Set /Scope on every /TH's attributes (in place); how many headers were given one."""
    elements = _elements(pdf)
    count = 0
    for element in elements.values():
        if element.get("S") != "/TH":
            continue
        row = elements.get(element.get("P"))
        kids = row.get("K", ()) if row is not None else ()
        beside_data = any(
            elements[kid].get("S") == "/TD"
            for kid in kids
            if isinstance(kid, bytes) and kid in elements
        )
        attributes = element.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
        attributes["Scope"] = "/Row" if beside_data else "/Column"
        count += 1
    return count
