"""What one long unbreakable token costs the print: `python benchmarks/long_token.py`.

A token with no space (letters drawn at random, so the hyphenation dictionary finds points in
it, as it would in a real identifier or a pasted string) is put in one field of the main
report's data, and the report is built as PDF only, in a fresh process each run. Before the
print gave such tokens break opportunities (src/briefing/writers/breaks.py) 2,000 letters in a
locator added 12 s to the build and 5,000 about 300 s; the field limit allows 20,000.

Each case is compared with the same field holding the same number of characters as ordinary
words (a space every seven), which the print must lay out anyway: the token should cost what
its text costs, nothing more.

    python benchmarks/long_token.py [--runs N] [--lengths 1000,5000,20000] [--fields locator,...]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

from measure import Series, run
from synthetic import MAIN_REPORT, copy_project

BRIEFING = str(Path(sys.executable).with_name("briefing"))
ENERGY = "data/facts/energy.yaml"
# Each field: the file, and the text of the line whose value the token replaces.
FIELDS = {
    "locator": (
        ENERGY,
        """      locator: '"Energy and Oil: Defying U.S. Sanctions", para. 1 ("two of the world''s """
        """largest oil reserves holders")'""",
        "      locator: {}",
    ),
    "summary": (
        ENERGY,
        "  summary: With US sanctions blocking Venezuela's fuel imports, Iran delivers gasoline "
        "and is paid in gold.",
        "  summary: {}",
    ),
    "source title": (
        "data/sources.yaml",
        '  title: "Untitled photo gallery (first slide: Trump calls for new Iran leadership)"',
        "  title: {}",
    ),
}


def token(length: int, seed: int = 21) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(length))


def words(length: int, seed: int = 21) -> str:
    """Ordinary words of the same total length: six letters and a space."""
    text = token(length, seed)
    return " ".join(text[i : i + 6] for i in range(0, length, 7))[:length].strip()


def project_with(work: Path, name: str, field: str, value: str | None) -> Path:
    project = copy_project(work / name)
    if value is not None:
        rel, line, pattern = FIELDS[field]
        path = project / rel
        text = path.read_text(encoding="utf-8")
        assert line in text, (field, line)
        path.write_text(text.replace(line, pattern.format(value), 1), encoding="utf-8")
    return project


def timed(project: Path, label: str, runs: int) -> Series:
    series = Series(label)
    for n in range(runs):
        out = project / f"out-{n}"
        args = [BRIEFING, "build", MAIN_REPORT, "--project", str(project), "--output", str(out)]
        series.samples.append(run([*args, "-f", "pdf", "-q"], project))
    return series


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per case (default 3)")
    parser.add_argument("--lengths", default="1000,2000,5000,20000", help="token lengths")
    parser.add_argument("--fields", default="locator", help=f"fields: {','.join(FIELDS)}")
    args = parser.parse_args()
    lengths = [int(n) for n in args.lengths.split(",")]
    fields = args.fields.split(",")
    print(
        f"long-token benchmark: PDF only, {args.runs} runs per case, each a fresh process\n",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="briefing-long-token-") as tmp:
        work = Path(tmp)
        base = timed(
            project_with(work, "base", "locator", None), "no token (the real data)", args.runs
        )
        print(base.line(), flush=True)
        for field in fields:
            print(f"\n{field}:", flush=True)
            for length in lengths:
                name = f"{field.replace(' ', '-')}-{length}"
                one = timed(
                    project_with(work, f"{name}-token", field, token(length)),
                    f"one token of {length:,} characters",
                    args.runs,
                )
                plain = timed(
                    project_with(work, f"{name}-words", field, words(length)),
                    f"{length:,} characters as words",
                    args.runs,
                )
                print(one.line())
                print(plain.line())
                print(
                    f"  {'token ÷ words':<44} {one.median / plain.median:5.2f} ×   "
                    f"token − real data {one.median - base.median:+6.2f} s",
                    flush=True,
                )


if __name__ == "__main__":
    main()
