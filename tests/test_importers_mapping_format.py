"""The mapping format a consultant writes for someone else's inventory: per-column blank values,
multi-valued cells, context fields the rules read, hidden columns, and the errors for bad input."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import yaml

from usecase_kit.errors import InputError
from usecase_kit.importers import import_inventory, load_mapping
from usecase_kit.portfolio import load_portfolio, save_portfolio
from usecase_kit.risk import classify

MAPPING: dict[str, Any] = {
    "name": "council",
    "version": "1",
    "source": "a made-up council inventory",
    "text_columns": ["Title", "Purpose"],
    "descriptive_columns": ["Ref", "Title", "Purpose", "Data", "Features", "Team"],
    "column_blank_values": {"Data": ["withheld"]},
    "multi_valued": {"Features": {"separator": "|"}},
    "id": {"columns": ["Ref"]},
    "fields": {
        "name": {"column": "Title", "required": True},
        "description": {"column": "Purpose", "required": True},
        "business_unit": {"column": "Team", "required": True},
        "category": {"default": "analytics"},
        "audience": {"default": "internal"},
        "human_review": {"default": "sample"},
        "data_sensitivity": {"default": "internal"},
        "context.data": {"column": "Data"},
        "context.features": {"column": "Features"},
        "regulatory.art50": {
            "column": "Features",
            "map": {"age": "none", "chatbot": "interacts_with_people"},
        },
    },
}
HEADER = ["Ref", "Title", "Purpose", "Data", "Features", "Team", "Risk determination"]


def _files(
    tmp_path: Path, rows: list[dict[str, str]], mapping: dict[str, Any] = MAPPING
) -> tuple[Path, Path]:
    inventory = tmp_path / "inventory.csv"
    with inventory.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: "" for c in HEADER} | row)
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(mapping), encoding="utf-8")
    return inventory, path


ROW = {"Ref": "C-1", "Title": "Pupil support", "Purpose": "Answers parents", "Team": "Education"}


def test_per_column_blank_values_blank_only_that_column(tmp_path: Path) -> None:
    inventory, mapping = _files(
        tmp_path, [ROW | {"Data": "withheld", "Purpose": "withheld from the public site"}]
    )
    (use_case,) = import_inventory(inventory, load_mapping(mapping)).portfolio
    assert "data" not in use_case.context  # blank in Data
    assert use_case.description == "withheld from the public site"  # but text elsewhere


@pytest.mark.parametrize(
    "cell",
    ['["Age", "chatbot"]', "['Age', 'chatbot']", "Age | chatbot"],
)
def test_multi_valued_cells_become_lists_and_map_item_by_item(tmp_path: Path, cell: str) -> None:
    inventory, mapping = _files(tmp_path, [ROW | {"Features": cell}])
    result = import_inventory(inventory, load_mapping(mapping))
    (use_case,) = result.portfolio
    assert use_case.context["features"] == ["Age", "chatbot"]
    assert use_case.regulatory.art50 == ["none", "interacts_with_people"]


def test_unrecognised_item_of_a_multi_valued_cell_is_reported(tmp_path: Path) -> None:
    inventory, mapping = _files(tmp_path, [ROW | {"Features": "Age|Postcode"}])
    result = import_inventory(inventory, load_mapping(mapping))
    assert any("regulatory.art50: value 'Postcode' not recognised" in n for n in result.report)


def test_context_fields_are_read_by_the_rules_and_round_trip(tmp_path: Path) -> None:
    inventory, mapping = _files(
        tmp_path, [ROW | {"Data": "Fingerprint matching records of visitors", "Features": "Age"}]
    )
    (use_case,) = import_inventory(inventory, load_mapping(mapping)).portfolio
    evidence = {e.rule_id: e for e in classify(use_case, precedent=False).evidence}
    assert any(s.field == "context.data" for s in evidence["BIOMETRIC_IDENTIFICATION"].spans)
    for suffix in (".yaml", ".csv", ".xlsx"):
        from usecase_kit.portfolio import Portfolio

        path = save_portfolio(Portfolio((use_case,)), tmp_path / f"p{suffix}")
        back = load_portfolio(path).use_cases[0]
        assert back.context["data"] == use_case.context["data"], suffix


def test_excluded_columns_are_never_read(tmp_path: Path) -> None:
    mapping = MAPPING | {
        "fields": MAPPING["fields"] | {"context.determination": {"column": "Risk determination"}}
    }
    row = ROW | {"Risk determination": "facial recognition of pupils: high-impact"}
    inventory, path = _files(tmp_path, [row], mapping)
    (seen,) = import_inventory(inventory, load_mapping(path)).portfolio
    assert "determination" in seen.context
    (hidden,) = import_inventory(
        inventory, load_mapping(path), exclude_columns=["Risk determination"]
    ).portfolio
    assert "determination" not in hidden.context
    assert "BIOMETRIC_IDENTIFICATION" not in classify(hidden, precedent=False).rule_ids


def test_mapping_naming_an_absent_column_names_it_and_the_columns_the_file_has(
    tmp_path: Path,
) -> None:
    mapping = MAPPING | {"fields": MAPPING["fields"] | {"owner": {"column": "Owner"}}}
    inventory, path = _files(tmp_path, [ROW], mapping)
    with pytest.raises(InputError) as caught:
        import_inventory(inventory, load_mapping(path))
    message = str(caught.value)
    assert "['Owner']" in message and "'Purpose'" in message and "inventory.csv" in message


def test_excluding_an_absent_column_is_an_error(tmp_path: Path) -> None:
    inventory, path = _files(tmp_path, [ROW])
    with pytest.raises(InputError, match="to exclude are not in the file"):
        import_inventory(inventory, load_mapping(path), exclude_columns=["Label"])


def test_descriptive_only_needs_descriptive_columns(tmp_path: Path) -> None:
    mapping = {k: v for k, v in MAPPING.items() if k != "descriptive_columns"}
    inventory, path = _files(tmp_path, [ROW], mapping)
    with pytest.raises(InputError, match="descriptive_columns"):
        import_inventory(inventory, load_mapping(path), descriptive_only=True)
