"""`python -m briefing`: the same command line as `briefing`."""

from briefing.cli.main import run_as_module

run_as_module()
