"""One frozen configuration for a whole assessment: rubric, method, tolerance, rules, controls,
decision policy, prices, provider, allowed data folders and seeds.

It is built once (from the command line, or a notebook's parameters), written beside a run as
``config.json`` and read back by every pack kernel, so the score a consultant sees with
``usecase-kit score --rubric R`` is the score every pack of the batch states. ``load()`` reads
every file it names once and returns the loaded objects (`Setup`); each file's SHA-256 goes into
the pack's provenance so a reader can tell which rubric and which prices were used.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import ConfigDict, Field

from usecase_kit._config import Float, Int, StrictModel, read_text

if TYPE_CHECKING:
    from usecase_kit.decision import DecisionPolicy
    from usecase_kit.pricing import PriceCatalogue
    from usecase_kit.risk import Controls, RiskRules, Tier
    from usecase_kit.scoring import RiskTolerance, Rubric

__all__ = ["RunConfig", "Setup", "SourceFile"]

OFFLINE_PROVIDER = "offline:baseline"


class RunConfig(StrictModel):
    """What an assessment runs with; paths None mean the project's shipped defaults."""

    model_config = ConfigDict(frozen=True)

    rubric: str | None = Field(None, description="rubric YAML (default templates/rubric.yaml)")
    method: Literal["wsm", "topsis"] = "wsm"
    tolerance: str | None = Field(None, description="risk-tolerance profile YAML")
    rules: str | None = Field(None, description="risk rules YAML")
    controls: str | None = Field(None, description="tier controls YAML")
    prices: str | None = Field(None, description="price catalogue (default the project's)")
    overrides: str | None = Field(None, description="a client's price overrides")
    provider: str = Field(OFFLINE_PROVIDER, min_length=1)
    data_dirs: tuple[str, ...] = Field((), description="extra folders a portfolio may name")
    no_go_below: Float = Field(40.0, ge=0, le=100)
    pilot_worthy_from: Float = Field(60.0, ge=0, le=100)
    seed: Int = 0
    own_determinations: str | None = Field(
        None, description="the client's fitted own-determinations model (.npz, risk/own.py)"
    )
    own_determinations_sha256: str | None = Field(
        None, description="its SHA-256: a kernel refuses a model that is not the one recorded"
    )

    @classmethod
    def read(cls, path: str | Path) -> RunConfig:
        """Read a ``config.json`` written by `write`."""
        return cls.model_validate_json(read_text(Path(path), "run configuration"))

    def write(self, path: str | Path) -> Path:
        from usecase_kit._io import atomic_write_text

        return atomic_write_text(path, self.model_dump_json(indent=2))

    def resolved(self) -> RunConfig:
        """The same configuration with every path absolute (kernels start in other folders)."""

        def absolute(value: str | None) -> str | None:
            return None if value is None else str(Path(value).expanduser().resolve())

        return self.model_copy(
            update={
                "rubric": absolute(self.rubric),
                "tolerance": absolute(self.tolerance),
                "rules": absolute(self.rules),
                "controls": absolute(self.controls),
                "prices": absolute(self.prices),
                "overrides": absolute(self.overrides),
                "own_determinations": absolute(self.own_determinations),
                "data_dirs": tuple(str(Path(d).expanduser().resolve()) for d in self.data_dirs),
            }
        )

    def load(self) -> Setup:
        """Read and validate every file named (each error names its file and field)."""
        from usecase_kit.decision import DecisionPolicy
        from usecase_kit.paths import templates_dir
        from usecase_kit.pricing import catalogue_path, load_catalogue
        from usecase_kit.risk import load_controls, load_rules
        from usecase_kit.scoring import load_rubric, load_tolerance

        templates = templates_dir()
        paths = {
            "rubric": Path(self.rubric) if self.rubric else templates / "rubric.yaml",
            "rules": Path(self.rules) if self.rules else templates / "risk_rules.yaml",
            "controls": Path(self.controls) if self.controls else templates / "tier_controls.yaml",
            "prices": Path(self.prices) if self.prices else catalogue_path(),
        }
        if self.tolerance:
            paths["tolerance"] = Path(self.tolerance)
        if self.overrides:
            paths["overrides"] = Path(self.overrides)
        rules = load_rules(paths["rules"])
        if self.own_determinations:  # fitted once by the parent: read, never refitted here
            from usecase_kit.risk.own import OwnDeterminations, attach

            paths["own_determinations"] = Path(self.own_determinations)
            own = OwnDeterminations.load(self.own_determinations, self.own_determinations_sha256)
            rules = attach(rules, own)
        return Setup(
            config=self,
            rubric=load_rubric(paths["rubric"]),
            rules=rules,
            controls=load_controls(paths["controls"]),
            tolerance=load_tolerance(paths["tolerance"]) if "tolerance" in paths else None,
            prices=load_catalogue(paths["prices"], overrides=paths.get("overrides")),
            policy=DecisionPolicy(self.no_go_below, self.pilot_worthy_from),
            sources=tuple(SourceFile.of(role, path) for role, path in paths.items()),
        )


@dataclass(frozen=True)
class SourceFile:
    """A file an assessment read: its role, path and SHA-256 (for the provenance footer)."""

    role: str
    path: str
    sha256: str

    @classmethod
    def of(cls, role: str, path: Path) -> SourceFile:
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        return cls(role, str(path), digest)


@dataclass(frozen=True)
class Setup:
    """The loaded configuration: what every stage of an assessment reads."""

    config: RunConfig
    rubric: Rubric
    rules: RiskRules
    controls: dict[Tier, Controls]
    tolerance: RiskTolerance | None
    prices: PriceCatalogue
    policy: DecisionPolicy
    sources: tuple[SourceFile, ...]

    def fingerprint(self) -> str:
        """One hash of the configuration and of every file it read."""
        payload = [self.config.model_dump(mode="json"), [s.sha256 for s in self.sources]]
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
