"""The command line: argument parsing, and mapping errors to exit codes. The top floor: it
imports every floor below and nothing imports it."""

from briefing.cli.main import main

__all__ = ["main"]
