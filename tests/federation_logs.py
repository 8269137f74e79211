"""A sending node's log for federation tests: objects committed as ``federation.shared``."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from pallmall.cases.exchange import DenialNotice, NoticeParty
from pallmall.disclosure.marking import Tlp
from pallmall.federation.stix import Envelope, denial_to_stix
from pallmall.federation.verify import LOG_PROPERTY, SHARED_KIND, PeerLog
from pallmall.intel.record import stix_timestamp_us
from pallmall.log.entry import canonical_json, make_entry
from pallmall.log.note import Ed25519Signer, generate_signer
from pallmall.log.tlog import TransparencyLog

ORIGIN = "a.pallmall.example/log"


def notice(
    n: int, modified: str = "2026-05-01T12:00:00.000Z", origin: str = ORIGIN, **extra: Any
) -> dict[str, Any]:
    """A denial notice object of the node ``origin``, as it serves it before adding
    ``x_pallmall_log`` (valid under docs/federation.md §5.2, so receivers keep it)."""
    ident = uuid.uuid5(uuid.NAMESPACE_URL, f"notice-{n}")
    created = stix_timestamp_us("2026-05-01T12:00:00.000Z")
    envelope = Envelope(
        f"x-pallmall-denial-notice--{ident}", created, stix_timestamp_us(modified), Tlp.GREEN
    )
    record = DenialNotice(
        reference=f"case-{n}",
        notifying_node=origin,
        notifying_state="GB",
        notified_on=date(2026, 5, 1),
        item_description="intrusion software",
        control_entry=(),
        product_category="device_intrusion",
        destination="AM",
        end_use="police",
        end_user=NoticeParty("Yerevan Signals Directorate", "AM"),
    )
    obj = denial_to_stix(record, envelope)
    obj["created"], obj["modified"] = "2026-05-01T12:00:00.000Z", modified
    return {**obj, **extra}


class SendingLog:
    """A peer's transparency log in a temp folder that commits objects like a node does."""

    def __init__(
        self, folder: Path, origin: str = ORIGIN, signer: Ed25519Signer | None = None
    ) -> None:
        self.log = TransparencyLog.open(folder, signer or generate_signer(origin))
        self.origin = origin
        self.log.ensure_checkpoint()

    @property
    def peer(self) -> PeerLog:
        return PeerLog(self.origin, self.log.vkey)

    def share(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Commit ``obj`` (a ``federation.shared`` entry), return it as served."""
        digest = hashlib.sha256(canonical_json(obj)).hexdigest()
        entry, _ = make_entry(SHARED_KIND, f"sha256:{digest}", {"object_sha256": digest})
        [index] = self.log.append([entry])
        return {**obj, LOG_PROPERTY: {"origin": self.origin, "index": index}}

    def other(self, count: int = 1, name: str = "Vendor") -> None:
        """Append unrelated entries."""
        for i in range(count):
            entry, _ = make_entry("registry.change", f"org/{i}", {"name": f"{name} {i}"})
            self.log.append([entry])
