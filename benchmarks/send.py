"""How fast `briefing send` is, and whether it stays so as the state store grows:
`make bench-send` (or `python benchmarks/send.py`).

An edition of the two-page report is built with a public base URL, so its message is small (the
summary and links, no attachment), and sent to N readers (10,000 by default) through a real SMTP
server on 127.0.0.1 (aiosmtpd's Sink handler, in a process of its own). Against it, a bare
`smtplib` loop hands the same prepared messages (the tool's own, from a dry run) to the same
server: what any sender must pay, with nothing decided, composed or recorded. Both are measured
twice: one connection for every message, and one connection reused for all of them.

The tool is then run again with the state store already holding 100,000 past delivery records
(ten earlier editions to every reader): the cost per message must not grow with the log.

Each case prints the median and spread of its runs (fresh processes; the tool's time includes
its start-up, the bare loop's only its sending). Ratios hold on a noisy machine; absolute times
do not.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import Sample, Series, run
from synthetic import copy_project

from briefing.publish.state import DELIVERED, PUBLISHED, SqliteState

REPORT = "iran-venezuela-in-focus"
BRIEFING = str(Path(sys.executable).with_name("briefing"))
EPOCH = "1795000000"
BASE_URL = "https://briefings.example.org/"
PAST_EDITIONS = 10

BARE = r"""
import smtplib, sys, time
from pathlib import Path
folder, port, reuse = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "reuse"
sender = "briefings@desk.example.org"
messages = []
for path in sorted(folder.iterdir()):
    data = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")  # as sent
    to = next(l for l in data.splitlines() if l.startswith(b"To:")).rsplit(b"<", 1)[1]
    messages.append((to.rstrip(b">").decode(), data))
started = time.perf_counter()
client = smtplib.SMTP("127.0.0.1", port) if reuse else None
for to, data in messages:
    c = client or smtplib.SMTP("127.0.0.1", port)
    c.sendmail(sender, [to], data)
    if not reuse:
        c.quit()
if client:
    client.quit()
print(f"{time.perf_counter() - started:.4f}")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.05)
    raise SystemExit("benchmark: the SMTP server did not start")


def readers_file(path: Path, count: int) -> None:
    path.write_text(
        "".join(
            f"- name: Reader {n}\n  email: r{n}@example.org\n  formats: [html]\n"
            for n in range(count)
        )
    )


def with_history(output: Path, count: int) -> None:
    """PAST_EDITIONS earlier editions, each delivered to every reader: count × 10 records."""
    state = SqliteState.open(output, editions_exist=True)
    try:
        db = state.db
        db.execute("BEGIN IMMEDIATE")
        for n in range(PAST_EDITIONS):
            db.execute(
                "INSERT INTO editions (report, id, sequence, generated, status, facts) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    REPORT,
                    f"2025-01-{n + 1:02d}",
                    -PAST_EDITIONS + n,
                    f"2025-01-{n + 1:02d}",
                    PUBLISHED,
                    f"sha256:past-{n}",
                ),
            )
            db.executemany(
                "INSERT INTO deliveries (report, edition, email, status, message_id, answer, "
                "attempts, time) VALUES (?, ?, ?, ?, ?, '250 OK', 1, '2025-01-01T00:00:00Z')",
                (
                    (REPORT, f"2025-01-{n + 1:02d}", f"r{r}@example.org", DELIVERED, f"<{n}.{r}@x>")
                    for r in range(count)
                ),
            )
        db.execute("COMMIT")
    finally:
        state.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--readers", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="briefing-send-bench-"))
    port = free_port()
    server = start_server(port)
    try:
        project = copy_project(work / "project")
        env = {
            **os.environ,
            "SOURCE_DATE_EPOCH": EPOCH,
            "BRIEFING_BASE_URL": BASE_URL,
            "BRIEFING_SMTP_HOST": "127.0.0.1",
            "BRIEFING_SMTP_PORT": str(port),
            "BRIEFING_SMTP_SECURITY": "none",
            "BRIEFING_SMTP_FROM": "briefings@desk.example.org",
        }
        built = work / "built"
        run(
            [BRIEFING, "build", REPORT, "-C", str(project), "-o", str(built), "-f", "html", "-q"],
            project,
            env,
        )
        readers = work / "readers.yaml"
        readers_file(readers, args.readers)
        prepared = work / "eml"
        run(
            [
                BRIEFING,
                "send",
                "-C",
                str(project),
                "-o",
                str(built),
                "--readers",
                str(readers),
                "--dry-run",
                str(prepared),
                "-q",
            ],
            project,
            env,
        )
        size = sum(p.stat().st_size for p in prepared.iterdir()) / args.readers
        print(
            f"send {args.readers:,} messages of {size / 1024:.1f} KB each (summary and links, "
            "no attachment) to aiosmtpd on 127.0.0.1"
        )

        def tool(name: str, history: bool, reuse: bool) -> Series:
            series = Series(name)
            for _ in range(args.runs):
                out = work / "out"
                shutil.rmtree(out, ignore_errors=True)
                shutil.copytree(built, out, symlinks=True)
                if history:
                    with_history(out, args.readers)
                sample = run(
                    [
                        BRIEFING,
                        "send",
                        "-C",
                        str(project),
                        "-o",
                        str(out),
                        "--readers",
                        str(readers),
                        "-q",
                    ],
                    project,
                    {**env, "BRIEFING_SMTP_REUSE": "1" if reuse else "0"},
                )
                series.samples.append(sample)
            return series

        def bare(name: str, reuse: bool) -> Series:
            series = Series(name)
            script = work / "bare.py"
            script.write_text(BARE)
            for _ in range(args.runs):
                sample = run(
                    [
                        sys.executable,
                        str(script),
                        str(prepared),
                        str(port),
                        "reuse" if reuse else "each",
                    ],
                    work,
                    env,
                )
                series.samples.append(Sample(float(sample.output.split()[-1]), sample.peak_mb))
            return series

        # The two sides of each ratio alternate, so a slow spell of the machine hits both.
        reused, bare_reused, each, bare_each, grown = (
            Series("briefing send, one connection reused"),
            Series("bare smtplib loop, one connection reused"),
            Series("briefing send, one connection per message"),
            Series("bare smtplib loop, one connection per message"),
            Series("briefing send, reused, 100,000 past records"),
        )
        for _ in range(args.runs):
            saved = args.runs
            args.runs = 1
            reused.samples += tool("", False, True).samples
            bare_reused.samples += bare("", True).samples
            each.samples += tool("", False, False).samples
            bare_each.samples += bare("", False).samples
            grown.samples += tool("", True, True).samples
            args.runs = saved
        for series in (reused, bare_reused, each, bare_each, grown):
            print(series.line())
            print(f"    per message {series.median / args.readers * 1000:.3f} ms")
        print(
            f"  tool ÷ bare loop, reused connection        {reused.median / bare_reused.median:5.2f} ×"
            f"   target ≤ 1.5   {'holds' if reused.median <= 1.5 * bare_reused.median else 'MISSED'}"
        )
        print(
            f"  tool ÷ bare loop, a connection per message {each.median / bare_each.median:5.2f} ×"
        )
        flat = grown.median / reused.median
        print(
            f"  100,000 past records ÷ empty log            {flat:5.2f} ×   target ≤ 1.1 (flat)   "
            f"{'holds' if flat <= 1.1 else 'MISSED'}"
        )
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
