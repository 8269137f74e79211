"""Evidence of a split view refused by the witness: both checkpoint notes, when, and the proof.

A witness that refuses to cosign a checkpoint because it contradicts the one it cosigned
before holds the only thing that proves a log forked: two checkpoints signed by the same
log key that cannot both be true. :func:`keep_evidence` writes each refusal to its own file
in the evidence folder (``data/witness/evidence/``), named by the digest of what it
holds, so the same refused request sent again is kept once; :func:`list_evidence` reads
them back, newest first. Anyone holding the log's vkey can check a record alone: both notes
verify with it, and either they have the same size and different roots, or the consistency
proof between them (the one sent, or any other) does not verify.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from pallmall.log._internal.files import write_durably

SUFFIX = ".json"


class EvidenceKind(StrEnum):
    """Why the witness refused (the same words as ``federation_evidence.kind``)."""

    SPLIT_VIEW = "split-view"
    """Same size as the checkpoint cosigned before, another root."""
    INCONSISTENT = "inconsistent"
    """A larger checkpoint whose consistency proof from the cosigned one does not verify."""


@dataclass(frozen=True)
class WitnessEvidence:
    """One refused checkpoint, with everything needed to show the log forked.

    ``cosigned`` is the signed note of the checkpoint the witness had cosigned (empty when
    the witness's state predates keeping notes: then ``cosigned_size`` and
    ``cosigned_root`` still say what it was); ``refused`` the signed note it refused;
    ``old_size`` and ``proof`` (base64 hashes) what the request sent; ``at`` RFC 3339 UTC.
    """

    origin: str
    kind: EvidenceKind
    at: str
    cosigned_size: int
    cosigned_root: str
    cosigned: str
    refused: str
    old_size: int
    proof: tuple[str, ...]
    reason: str

    def to_json(self) -> dict[str, object]:
        """The record as JSON (what the evidence file and ``GET /witness/evidence`` hold)."""
        data = asdict(self)
        data["kind"] = self.kind.value
        data["proof"] = list(self.proof)
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> WitnessEvidence:
        """Read a record written by :meth:`to_json`; ``KeyError``/``ValueError`` if malformed."""
        proof = data["proof"]
        if not isinstance(proof, list):
            raise ValueError("proof is not a list")
        return cls(
            origin=str(data["origin"]),
            kind=EvidenceKind(str(data["kind"])),
            at=str(data["at"]),
            cosigned_size=int(str(data["cosigned_size"])),
            cosigned_root=str(data["cosigned_root"]),
            cosigned=str(data["cosigned"]),
            refused=str(data["refused"]),
            old_size=int(str(data["old_size"])),
            proof=tuple(str(p) for p in proof),
            reason=str(data["reason"]),
        )

    def digest(self) -> str:
        """Hex SHA-256 of what was refused and what it contradicts (not of the time): the
        same refused request twice is one piece of evidence."""
        what = [self.origin, self.cosigned_root, self.refused, str(self.old_size), *self.proof]
        return hashlib.sha256("\n".join(what).encode()).hexdigest()


def keep_evidence(folder: Path, evidence: WitnessEvidence) -> Path:
    """Write ``evidence`` durably to ``folder/<digest>.json`` unless that file exists;
    return its path."""
    path = Path(folder) / f"{evidence.digest()}{SUFFIX}"
    if not path.exists():
        write_durably(path, json.dumps(evidence.to_json(), sort_keys=True, indent=1).encode())
    return path


def list_evidence(folder: Path) -> list[WitnessEvidence]:
    """Every record in ``folder``, newest first (none when the folder does not exist).

    A file that is not a record (hand-edited, truncated) is skipped, never fatal: the list
    is read by a page and an API call that must not fail for one bad file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob(f"*{SUFFIX}"):
        try:
            found.append(WitnessEvidence.from_json(json.loads(path.read_text())))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(found, key=lambda e: e.at, reverse=True)
