"""Air gap: the exchange as a bundle file, for nodes that cannot connect.

A bundle carries what a sync would fetch, in one JSON document (docs/federation.md,
"Air gap")::

    {"format": "pallmall-federation-bundle/1",
     "origin": "<sender's log origin>",
     "checkpoint": "<the sender's signed checkpoint note>",
     "old_size": N,                      # the size the receiver verified before
     "consistency": ["<b64>", ...],      # RFC 9162 consistency proof N -> checkpoint size
     "objects": [{"object": {... "x_pallmall_log": {"origin", "index"}},
                  "entry": "<b64 entry bytes>",
                  "inclusion": ["<b64>", ...]}]}   # in the checkpoint's tree

The signature on the checkpoint is the bundle's signature: every object is bound to it by its
log entry and inclusion proof, and the checkpoint to the one the receiver verified before by
the consistency proof, so a bundle verifies exactly as a sync does (:func:`verify_bundle`)
and a tampered one is refused whole.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pallmall.core.errors import Conflict, InvalidInput
from pallmall.federation.verify import (
    LOG_PROPERTY,
    Inclusion,
    PeerLog,
    VerifiedObject,
    check_checkpoint,
    check_consistency,
    verify_object,
)
from pallmall.log.checkpoint import SignedCheckpoint
from pallmall.log.proof import ConsistencyProof, InclusionProof

FORMAT = "pallmall-federation-bundle/1"
MAX_BUNDLE_BYTES = 512 * 1024 * 1024
"""A bundle file larger than this is refused before it is read."""


@dataclass(frozen=True)
class BundleObject:
    """One object as served (with ``x_pallmall_log``), its entry and inclusion proof."""

    obj: Mapping[str, Any]
    entry: bytes
    inclusion: tuple[bytes, ...]


@dataclass(frozen=True)
class Bundle:
    """A bundle (see the module docstring)."""

    origin: str
    checkpoint: bytes
    old_size: int
    consistency: tuple[bytes, ...]
    objects: tuple[BundleObject, ...]

    def to_json(self) -> dict[str, Any]:
        """The JSON document written to the file."""
        return {
            "format": FORMAT,
            "origin": self.origin,
            "checkpoint": self.checkpoint.decode(),
            "old_size": self.old_size,
            "consistency": [_b64(h) for h in self.consistency],
            "objects": [
                {
                    "object": dict(o.obj),
                    "entry": _b64(o.entry),
                    "inclusion": [_b64(h) for h in o.inclusion],
                }
                for o in self.objects
            ],
        }

    def encode(self) -> bytes:
        """The file's bytes (UTF-8 JSON)."""
        return json.dumps(self.to_json(), separators=(",", ":")).encode()


def read_bundle(data: bytes) -> Bundle:
    """Parse a bundle file; ``InvalidInput`` naming the member that is missing or malformed."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise InvalidInput("bundle", f"larger than {MAX_BUNDLE_BYTES} bytes")
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise InvalidInput("bundle", f"not JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InvalidInput("bundle.format", f"not a {FORMAT} file")
    try:
        return Bundle(
            origin=_str(doc, "origin"),
            checkpoint=_str(doc, "checkpoint").encode(),
            old_size=_size(doc.get("old_size")),
            consistency=_hashes(doc.get("consistency"), "consistency"),
            objects=tuple(_object(o, n) for n, o in enumerate(_list(doc, "objects"))),
        )
    except (TypeError, AttributeError) as exc:
        raise InvalidInput("bundle", f"malformed: {exc}") from exc


def _str(doc: Mapping[str, Any], name: str) -> str:
    value = doc.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"bundle.{name}", "must be a non-empty string")
    return value


def _size(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInput("bundle.old_size", "must be an integer >= 0")
    return value


def _list(doc: Mapping[str, Any], name: str) -> list[Any]:
    value = doc.get(name)
    if not isinstance(value, list):
        raise InvalidInput(f"bundle.{name}", "must be a list")
    return value


def _hashes(value: Any, name: str) -> tuple[bytes, ...]:
    if not isinstance(value, list):
        raise InvalidInput(f"bundle.{name}", "must be a list of base64 hashes")
    try:
        return tuple(base64.b64decode(str(h), validate=True) for h in value)
    except binascii.Error as exc:
        raise InvalidInput(f"bundle.{name}", "holds something that is not base64") from exc


def _object(value: Any, n: int) -> BundleObject:
    if not isinstance(value, dict) or not isinstance(value.get("object"), dict):
        raise InvalidInput(f"bundle.objects[{n}]", "must hold an object, entry and inclusion")
    try:
        entry = base64.b64decode(str(value.get("entry", "")), validate=True)
    except binascii.Error as exc:
        raise InvalidInput(f"bundle.objects[{n}].entry", "not base64") from exc
    return BundleObject(
        value["object"], entry, _hashes(value.get("inclusion"), f"objects[{n}].inclusion")
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class SizeMismatch(Conflict):
    """The bundle proves consistency from another size than the receiver verified last."""

    def __init__(self, origin: str, verified: int, bundle: int) -> None:
        super().__init__(
            f"this node last verified size {verified} of {origin}; the bundle starts at "
            f"{bundle}. Ask the sender for `pallmall federation export --peer <this node>"
            f" --since {verified}`"
        )
        self.verified = verified
        self.bundle = bundle


@dataclass(frozen=True)
class VerifiedBundle:
    """A bundle that verified: the checkpoint to keep and the objects it proves."""

    checkpoint: SignedCheckpoint
    objects: tuple[VerifiedObject, ...]


def verify_bundle(
    bundle: Bundle, peer: PeerLog, previous: SignedCheckpoint | None
) -> VerifiedBundle:
    """Verify a bundle from ``peer`` against the checkpoint this node verified last.

    Raises :class:`SizeMismatch` when the bundle's ``old_size`` is not the size of
    ``previous`` (0 when None); ``InvalidInput`` when it comes from another origin;
    :class:`~.verify.PeerRefused` (a :class:`~.verify.ForkedLog` for a fork) when the
    checkpoint, the consistency proof or any object does not verify — nothing of a bundle
    that fails is kept.
    """
    if bundle.origin != peer.origin:
        raise InvalidInput("bundle.origin", f"{bundle.origin!r} is not {peer.origin!r}")
    verified = previous.checkpoint.size if previous is not None else 0
    if bundle.old_size != verified:
        raise SizeMismatch(peer.origin, verified, bundle.old_size)
    signed = check_checkpoint(peer, bundle.checkpoint)
    kept = signed if previous is None else check_consistency(previous, signed, bundle.consistency)
    objects = tuple(
        verify_object(o.obj, peer, kept.checkpoint, Inclusion(o.entry, o.inclusion))
        for o in bundle.objects
    )
    return VerifiedBundle(kept, objects)


class CheckpointLog(Protocol):
    """What exporting needs of this node's own log (a
    :class:`~pallmall.log.tlog.TransparencyLog`)."""

    def checkpoint(self) -> SignedCheckpoint:
        """The latest published checkpoint."""
        ...

    def entry(self, index: int) -> bytes:
        """The entry at ``index``."""
        ...

    def inclusion_proof(self, index: int, tree_size: int) -> InclusionProof:
        """The inclusion proof of ``index`` in ``tree_size``."""
        ...

    def consistency_proof(self, old_size: int, tree_size: int) -> ConsistencyProof:
        """The consistency proof between two sizes."""
        ...


def export_bundle(
    tlog: CheckpointLog, origin: str, committed: Sequence[tuple[int, str]], since: int
) -> Bundle:
    """A bundle of ``committed`` objects (``(log index, canonical body)``, each committed in
    ``tlog`` at that index) proven in the log's latest checkpoint, consistent from ``since``
    (the size the receiver verified last). Objects whose index is past the checkpoint are
    left for the next bundle. Raises ``InvalidInput`` when ``since`` is past the checkpoint.
    """
    signed = tlog.checkpoint()
    size = signed.checkpoint.size
    if not 0 <= since <= size:
        raise InvalidInput("since", f"must be in [0, {size}] (the log's size)")
    consistency = tlog.consistency_proof(since, size).proof if 0 < since < size else ()
    objects = tuple(
        BundleObject(
            {**json.loads(body), LOG_PROPERTY: {"origin": origin, "index": index}},
            tlog.entry(index),
            tlog.inclusion_proof(index, size).proof,
        )
        for index, body in committed
        if index < size
    )
    return Bundle(origin, signed.note, since, tuple(consistency), objects)
