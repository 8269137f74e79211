"""A transparency report as data: what it covers, the checkpoint it was built from, the
figures, and the self-assessment. Its JSON form is what is published, stored and verified.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pallmall.core.errors import InvalidInput
from pallmall.log.entry import canonical_json
from pallmall.reports.spec import ReportSpec

FORMAT = "pallmall-transparency-report/v1"


@dataclass(frozen=True)
class CheckpointRef:
    """The checkpoint a report was built from: origin, size, root (base64), and the signed
    note (C2SP signed-note) that carried it."""

    origin: str
    size: int
    root: str
    note: str

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"origin": self.origin, "size": self.size, "root": self.root, "note": self.note}

    @property
    def root_bytes(self) -> bytes:
        """The root hash (32 bytes)."""
        return base64.b64decode(self.root)


@dataclass(frozen=True)
class Report:
    """A transparency report. ``figures`` and ``assessment`` are plain JSON values."""

    id: str
    spec: ReportSpec
    checkpoint: CheckpointRef
    generated_at: str
    figures: Mapping[str, Any]
    assessment: list[Any]

    def body(self) -> dict[str, Any]:
        """Everything but the digest, as JSON."""
        return {
            "format": FORMAT,
            "id": self.id,
            "spec": self.spec.to_json(),
            "checkpoint": self.checkpoint.to_json(),
            "generated_at": self.generated_at,
            "figures": self.figures,
            "assessment": self.assessment,
        }

    @property
    def digest(self) -> str:
        """Hex SHA-256 of the RFC 8785 canonical JSON of :meth:`body`."""
        return hashlib.sha256(canonical_json(self.body())).hexdigest()

    def to_json(self) -> dict[str, Any]:
        """The published JSON: :meth:`body` plus ``digest``."""
        return {**self.body(), "digest": self.digest}

    def dumps(self) -> str:
        """Pretty JSON text (for files and downloads)."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def report_from_json(data: Mapping[str, Any]) -> tuple[Report, str | None]:
    """Parse a report's JSON; returns the report and the digest it claimed (may differ).

    Raises ``InvalidInput`` naming the member that is missing or malformed.
    """
    if data.get("format") != FORMAT:
        raise InvalidInput("format", f"expected {FORMAT!r}")
    try:
        cp = data["checkpoint"]
        ref = CheckpointRef(str(cp["origin"]), int(cp["size"]), str(cp["root"]), str(cp["note"]))
        report = Report(
            id=str(data["id"]),
            spec=ReportSpec.from_json(dict(data["spec"])),
            checkpoint=ref,
            generated_at=str(data["generated_at"]),
            figures=dict(data["figures"]),
            assessment=list(data["assessment"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput("report", f"missing or malformed member: {exc}") from exc
    digest = data.get("digest")
    return report, str(digest) if digest is not None else None
