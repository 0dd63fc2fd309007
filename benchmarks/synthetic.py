"""Projects for the benchmark: copies of this one, and copies grown to many times the facts, each generated fact about the size of a real one.

A grown evidence base must pass every house rule the real one passes (ids, dates no later than
the edition, known domains and sources, a locator on every citation, nothing copied from a
source), or the benchmark would time an error message. The extra facts are dated, so each one
becomes a row of the timeline, carrying its source passage there as a real fact no section
discusses does (it makes no note); their wording varies in length the way real summaries do.
Generation is seeded, so every run times the same documents.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("reports", "templates", "data")
MAIN_REPORT = "iran-venezuela"
PER_FILE = 500

_ACTORS = (
    "the energy ministry",
    "a state oil company",
    "the central bank",
    "a defence delegation",
    "the foreign ministry",
    "a joint commission",
    "a shipping operator",
    "a provincial government",
)
_ACTS = (
    "signs a memorandum on",
    "announces a programme for",
    "reports progress on",
    "suspends talks about",
    "opens a review of",
    "agrees the terms of",
)
_SUBJECTS = (
    "refinery spare parts",
    "a credit line for agricultural imports",
    "maintenance of transport aircraft",
    "a shared fund for housing",
    "training for technical staff",
    "tanker insurance arrangements",
    "an exchange of medical supplies",
    "a pilot plant for vehicle assembly",
)
_SECTIONS = (
    "Energy and Oil: Defying Sanctions",
    "A Foothold in the Western Hemisphere",
    "Industrial Cooperation",
    "Finance Outside the Dollar",
)
_DETAIL = (
    "",
    " after a year of negotiation",
    ", with delivery promised within eighteen months and a review clause on prices",
    ", though officials give no figures and no timetable for the work",
)


def copy_project(target: Path) -> Path:
    """The project's reports, templates and data, where a benchmark may change them freely."""
    target.mkdir(parents=True, exist_ok=True)
    for part in PARTS:
        shutil.copytree(ROOT / part, target / part, dirs_exist_ok=True)
    return target


def _fact_count(project: Path) -> int:
    return sum(
        len(yaml.safe_load(p.read_text(encoding="utf-8")) or [])
        for p in (project / "data" / "facts").glob("*.yaml")
    )


def grow(project: Path, factor: int, seed: int = 11) -> int:
    """Add dated facts until the project has `factor` times its facts; returns the new total."""
    real = _fact_count(project)
    domains = [d["id"] for d in yaml.safe_load((project / "data/domains.yaml").read_text())]
    sources = [s["id"] for s in yaml.safe_load((project / "data/sources.yaml").read_text())]
    rng = random.Random(seed)
    facts = []
    for n in range(1, real * factor - real + 1):
        year = rng.randint(1950, 2025)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        date = rng.choice((str(year), f"{year}-{month:02d}", f"{year}-{month:02d}-{day:02d}"))
        # A figure in a summary is a placeholder for one of the fact's quantities, as the
        # loader requires of every summary.
        summary = (
            f"In record {{record:num}}, {rng.choice(_ACTORS)} {rng.choice(_ACTS)} "
            f"{rng.choice(_SUBJECTS)}{rng.choice(_DETAIL)}."
        )
        facts.append(
            {
                "id": f"synthetic-{n:05d}",
                "date": date,
                "domain": domains[n % len(domains)],
                "summary": summary[0].upper() + summary[1:],
                "quantities": {"record": {"value": n, "unit": "agreement"}},
                "citations": [
                    {
                        "source": rng.choice(sources),
                        # As long as a real locator: a heading, a paragraph, a short quotation.
                        "locator": f'"{rng.choice(_SECTIONS)}", para. {rng.randint(1, 40)} '
                        f'("record {n}, {rng.choice(_SUBJECTS)}")',
                    }
                ],
            }
        )
    # Several files, as a desk would keep them, each well under the per-file limit.
    for start in range(0, len(facts), PER_FILE):
        path = project / "data" / "facts" / f"synthetic-{start // PER_FILE + 1:02d}.yaml"
        chunk = facts[start : start + PER_FILE]
        path.write_text(
            yaml.safe_dump(chunk, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
    return real * factor


def many_reports(project: Path, count: int, template: str = f"{MAIN_REPORT}-in-focus") -> list[str]:
    """`count` reports declared like `template` under their own ids (and no others)."""
    reports = project / "reports"
    text = (reports / f"{template}.yaml").read_text(encoding="utf-8")
    for old in reports.glob("*.yaml"):
        old.unlink()
    ids = [f"desk-{n:02d}" for n in range(1, count + 1)]
    for rid in ids:
        body = text.replace(f"id: {template}\n", f"id: {rid}\n", 1)
        (reports / f"{rid}.yaml").write_text(body, encoding="utf-8")
    return ids
