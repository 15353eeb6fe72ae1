"""The Act's own wording of each question the reader suggests answers to
(`templates/euaiact/practices.yaml`: Art. 5(1)(a)-(h), Annex III points, Annex I, Art. 50),
with its source and the date it was read."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from usecase_kit._config import StrictModel, load_model
from usecase_kit.paths import templates_dir

__all__ = ["Practice", "Practices", "load_practices", "question_kind"]


class Practice(StrictModel):
    cite: str = Field(description="the point as cited, e.g. 'Art. 5(1)(f)'")
    title: str
    act: str = Field(description="the provision's operative words")
    carve_out: str | None = Field(None, description="the exception the provision states")
    anchors: list[str] = Field(default_factory=list, description="short descriptions (ours)")


class Practices(StrictModel):
    source: str
    read: str
    licence: str
    questions: dict[str, Practice]


@lru_cache(maxsize=1)
def load_practices() -> Practices:
    """The shipped descriptions (read once per process)."""
    path = templates_dir() / "euaiact" / "practices.yaml"
    return load_model(path, Practices, "EU AI Act practice descriptions")


def question_kind(question: str) -> str:
    """'art5', 'annex3', 'annex1' or 'art50': what a 'yes' does to the tier."""
    return question.split(".", 1)[0]
