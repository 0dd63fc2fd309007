"""Installing: the distribution's name, the runtime lock free of test tools, the two locks in
step, and docs/install.md naming the very packages the missing-library message names."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from briefing import DISTRIBUTION
from briefing.base import sharedlibs

ROOT = Path(__file__).resolve().parents[1]
TEST_TOOLS = ("pytest", "playwright", "hypothesis", "pikepdf", "ruff", "pypdf", "pdfplumber")


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text(encoding="utf-8")
    return {m[0].lower(): m[1] for m in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.M)}


def test_the_distribution_is_named_as_the_package_says():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == DISTRIBUTION != "briefing"  # `briefing` on PyPI is another's
    assert project["scripts"] == {"briefing": "briefing.cli.main:main"}


def test_the_runtime_lock_holds_no_test_tool_and_the_build_backend():
    runtime, test = pins("requirements.lock"), pins("requirements-test.lock")
    assert not [tool for tool in TEST_TOOLS if tool in runtime]
    assert all(tool in test for tool in TEST_TOOLS)
    assert "setuptools" in runtime  # the editable install builds without isolation
    assert "shtab" in runtime
    # The test layer is installed over the runtime layer: every shared pin must agree.
    assert {name: test.get(name) for name in runtime} == runtime


def test_make_installs_each_layer_from_its_own_lock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    runtime = re.search(r"^\$\(STAMP\):.*?(?=^\S)", makefile, re.M | re.S)[0]
    test = re.search(r"^\$\(TEST_STAMP\):.*?(?=^\S)", makefile, re.M | re.S)[0]
    assert "-r $(LOCK)" in runtime and "TEST_LOCK" not in runtime
    assert "-r $(TEST_LOCK)" in test and "$(STAMP)" in test.splitlines()[0]
    assert "--require-hashes" in runtime and "--require-hashes" in test
    assert "--no-build-isolation" in runtime
    assert re.search(r"^briefing: \$\(BYTECODE\)$", makefile, re.M)
    assert re.search(r"^test: .*\$\(TEST_STAMP\)", makefile, re.M)
    assert re.search(r"^lint: .*\$\(TEST_STAMP\)", makefile, re.M)


def test_docs_name_the_packages_the_message_names():
    guide = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
    for platform in sharedlibs.PLATFORMS.values():
        assert f"$ {platform.install}" in guide, platform.install
        assert platform.name in guide
    assert f"pipx install {DISTRIBUTION}" in guide
    # What briefing prints when one is missing, word for word (on Debian).
    assert f"briefing: {sharedlibs.advice(['Pango'], 'debian')}\n" in guide
