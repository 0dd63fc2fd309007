"""Small pieces whose mistakes would spread everywhere: dates and how numbers read."""

from __future__ import annotations

import pytest

from briefing.base.model import PartialDate, Quantity
from briefing.base.units import adjective, number, quantity
from briefing.config.load import parse_date


@pytest.mark.parametrize(
    ("raw", "shown", "precision"),
    [
        (1947, "1947", "year"),
        ("2026-01", "January 2026", "month"),
        ("2026-01-03", "3 January 2026", "day"),
        ("1960s", "1960s", "decade"),
    ],
)
def test_partial_dates_parse_and_read(raw, shown, precision):
    d = parse_date(raw)
    assert isinstance(d, PartialDate) and str(d) == shown and d.precision == precision


@pytest.mark.parametrize("raw", ["2021-02-29", "1999-00", "1965s", "soon", "20200"])
def test_impossible_or_malformed_dates_are_explained(raw):
    assert isinstance(parse_date(raw), str)


def test_a_period_sorts_at_its_start():
    """A chronology read oldest first places a period where it begins: the timeline had 'the
    2000s' after 2005 and 2006."""
    assert PartialDate(2000, decade=True).sort_key() < PartialDate(2001).sort_key()
    assert PartialDate(2000, decade=True).sort_key() < PartialDate(2005).sort_key()
    assert PartialDate(2026, 1).sort_key() < PartialDate(2026, 1, 3).sort_key()
    assert PartialDate(2026).sort_key() > PartialDate(2026, 1).sort_key()  # shorter first


@pytest.mark.parametrize(
    ("q", "text"),
    [
        (Quantity(2_350_000, "barrel"), "2.35 million barrels"),
        (Quantity(500_000_000, "USD"), "$500 million"),
        (Quantity(9, "tonne"), "9 tonnes"),
        (Quantity(11, "percent"), "11 per cent"),
        (Quantity(2, "rank"), "second"),
        (Quantity(1, "tonne"), "1 tonne"),
        (Quantity(1_900_000, "dose"), "1.9 million doses"),
    ],
)
def test_quantities_read_as_prose(q, text):
    assert quantity(q) == text


def test_adjective_and_number_forms():
    assert adjective(Quantity(20, "year")) == "20-year"
    assert number(289_353.6, 0) == "289,354"
    with pytest.raises(ValueError):
        adjective(Quantity(9, "tonne"))
