"""The drift report as text for a terminal (and a chat message), and JSON for programs (and any
webhook). Pure functions of the report, which names databases by label only."""

from __future__ import annotations

import json

from .compare import Difference
from .compare_output import difference_json, difference_line
from .drift import DriftReport, EnvironmentDrift, PairDrift

FORMATS = ("text", "json")


def render(name: str, report: DriftReport) -> str:
    return {"text": text, "json": as_json}[name](report)


def text(report: DriftReport) -> str:
    lines = []
    for environment in report.environments:
        lines += _listed(_environment_heading(environment), environment.differences)
    for pair in report.pairs:
        lines += _listed(_pair_heading(pair), pair.differences)
        if pair.awaiting:
            lines.append(
                f"  and {len(pair.awaiting)} the migrations explain (applied to {pair.source}, "
                f"not yet to {pair.target}): awaiting promotion"
            )
    lines += ["", f"drift: {summary(report)}"]
    return "\n".join(lines)


def summary(report: DriftReport) -> str:
    checked = f"{len(report.environments)} environment(s) against {report.folder}"
    if not report.drifted:
        return f"none in {checked}"
    return f"{', '.join(report.drifted)} drifted ({checked})"


def _environment_heading(environment: EnvironmentDrift) -> str:
    where = f"{environment.label} ({environment.applied} migration(s) applied)"
    count = len(environment.differences)
    return (
        f"{where}: {count} change(s) made outside the migrations" if count else f"{where}: no drift"
    )


def _pair_heading(pair: PairDrift) -> str:
    where = f"{pair.source} -> {pair.target}"
    count = len(pair.differences)
    return (
        f"{where}: {count} difference(s) the migrations do not explain"
        if count
        else f"{where}: no drift"
    )


def _listed(heading: str, differences: tuple[Difference, ...]) -> list[str]:
    return [heading] + [f"  {difference_line(d)}" for d in _breaking_first(differences)]


def _breaking_first(differences: tuple[Difference, ...]) -> list[Difference]:
    return sorted(differences, key=lambda d: not d.breaking)


def as_json(report: DriftReport) -> str:
    return json.dumps(
        {
            "folder": report.folder,
            "environments": [
                {
                    "environment": e.label,
                    "applied": e.applied,
                    "differences": [difference_json(d) for d in _breaking_first(e.differences)],
                }
                for e in report.environments
            ],
            "pairs": [
                {
                    "source": p.source,
                    "target": p.target,
                    "differences": [difference_json(d) for d in _breaking_first(p.differences)],
                    "awaiting_promotion": [difference_json(d) for d in p.awaiting],
                }
                for p in report.pairs
            ],
            "summary": {"drifted": report.drifted, "exit_code": report.exit_code},
        },
        indent=2,
    )
