"""Sharing an object version with peers: stored for serving and committed in this node's
transparency log, in one unit of work.

Each version shared in a group (or pushed to one peer's inbox) gets its own public change of
kind ``federation.shared`` whose only field is the SHA-256 of the object's canonical body
(the log never learns the object's type, group or recipients). The object is served only
once that entry is in the log, so a peer can always prove what it received.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pallmall.core.changes import ChangeOutbox
from pallmall.core.clock import utcnow
from pallmall.disclosure import PUBLIC_SUBJECT, gate
from pallmall.disclosure.kinds import FEDERATION_SHARED
from pallmall.federation.objects import NewShare, body_sha256, canonical_body, object_version
from pallmall.federation.ports import ObjectStore


@dataclass
class Outgoing:
    """Shares object versions through ``store``, committing each in ``outbox``."""

    store: ObjectStore
    outbox: ChangeOutbox
    clock: Callable[[], datetime] = utcnow

    def share(self, group_name: str, obj: Mapping[str, Any]) -> bool:
        """Share ``obj`` (a STIX object, ``x_pallmall_log`` ignored) in ``group_name``.

        Returns False, committing nothing, when the group has that version already.

        Raises:
            InvalidInput: the object has no version or is not canonical JSON.
        """
        body = canonical_body(obj)
        digest = body_sha256(body)
        # the subject is the hash itself: the entry names nothing the field does not
        fields = {"object_sha256": digest}
        change = gate(FEDERATION_SHARED, digest, self.clock(), fields, PUBLIC_SUBJECT)
        share = NewShare(
            group_name=group_name,
            object_id=str(obj["id"]),
            version=object_version(obj),
            object_type=str(obj["type"]),
            body=body,
            object_sha256=digest,
            change_id=change.id,
        )
        if not self.store.add_shared(share):
            return False
        self.outbox.add(change)
        return True
