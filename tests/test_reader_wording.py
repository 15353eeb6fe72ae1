"""What a reader sees is written for a reader: rounding as a person rounds, no repeated model
names, a CSV saved with semicolons named as such, a spreadsheet date serial explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from usecase_kit.errors import InputError
from usecase_kit.evaluation.results import GroupReport
from usecase_kit.formatting import number as _number
from usecase_kit.portfolio import load_portfolio


@pytest.mark.parametrize(
    "value, digits, shown",
    [(61.25, 1, "61.3"), (73.75, 1, "73.8"), (41.25, 1, "41.3"), (61.25, 2, "61.25"),
     (1234567.891, 2, "1,234,567.89"), (0.125, 2, "0.13"), (None, 1, "—")],
)  # fmt: skip
def test_halves_round_up_as_a_reader_expects(value: float | None, digits: int, shown: str) -> None:
    assert _number(value, digits) == shown


@pytest.mark.parametrize(
    "provider, model, label",
    [
        ("offline:baseline", "baseline", "offline:baseline · faq@abc"),
        ("openai:gpt-4o-mini", "gpt-4o-mini", "openai:gpt-4o-mini · faq@abc"),
        ("openai", "gpt-4o-mini", "openai:gpt-4o-mini · faq@abc"),
    ],
)
def test_a_group_label_names_the_model_once(provider: str, model: str, label: str) -> None:
    group = GroupReport(provider, model, "faq", "abc", False, 1, 1, 1, 0, {})
    assert group.label == label


def test_a_csv_saved_with_semicolons_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "portfolio.csv"
    path.write_text("id;name;description\na;b;c, with a comma\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_portfolio(path)
    message = str(caught.value)
    assert "split by semicolons" in message and "comma-separated" in message
    assert "more cell(s)" not in message  # not one confusing error per row


def test_a_spreadsheet_date_serial_is_explained(tmp_path: Path) -> None:
    from datetime import date

    from pydantic import BaseModel, ValidationError

    from usecase_kit._config import describe_error

    class Dated(BaseModel):
        assessed_on: date

    with pytest.raises(ValidationError) as caught:
        Dated(assessed_on=45990.5)  # type: ignore[arg-type]
    message = describe_error(caught.value.errors()[0])
    assert "write it as YYYY-MM-DD" in message and "45990.5" in message
    assert "zero time" not in message
