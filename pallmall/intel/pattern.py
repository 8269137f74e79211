"""Indicator patterns: read, repair and write single-comparison STIX patterns.

Real bundles (Amnesty, MVT) use one comparison per pattern, ``[object-type:path = 'value']``
(STIX 2.1 §9.2). This module turns such a pattern into a canonical :class:`Observable`
(lower-case hashes and domains, hash keys in the ``hash-algorithm-ov`` spelling of STIX 2.1
§10.7, IPs written as ``domain-name`` moved to ``ipv4-addr``) so indicators can be
deduplicated by content, and writes it back in the spec's form or in MVT's dialect.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from pallmall.core.errors import InvalidInput

_COMPARISON = re.compile(
    r"^\[\s*(?P<type>[A-Za-z0-9_-]+):(?P<path>[A-Za-z0-9_.'\-]+)\s*=\s*'(?P<value>(?:[^'\\]|\\.)*)'\s*\]$"
)
_HASH_KEYS = {
    "md5": "MD5",
    "sha1": "SHA-1",
    "sha256": "SHA-256",
    "sha512": "SHA-512",
    "sha3256": "SHA3-256",
    "sha3512": "SHA3-512",
    "ssdeep": "SSDEEP",
    "tlsh": "TLSH",
}
_HEX_LENGTH = {
    "MD5": 32,
    "SHA-1": 40,
    "SHA-256": 64,
    "SHA-512": 128,
    "SHA3-256": 64,
    "SHA3-512": 128,
}
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{2,63}$")
_IPV4_HEAD = re.compile(
    r"^((?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d))(?=[a-z])"
)
_HEX = re.compile(r"^[0-9a-f]+$")

# Observable types MVT adds to STIX (not in STIX 2.1 §6): kept as written, MVT reads them.
MVT_TYPES = frozenset({"app", "configuration-profile", "android-property"})


@dataclass(frozen=True)
class Observable:
    """One comparison ``object_type:path = value`` in canonical form."""

    object_type: str
    path: str
    value: str

    @property
    def pattern(self) -> str:
        """The STIX 2.1 pattern (§9.2), e.g. ``[file:hashes.'SHA-256' = 'ab…']``."""
        return f"[{self.object_type}:{self.path} = '{_escape(self.value)}']"


@dataclass
class Reading:
    """What :func:`read_pattern` made of one pattern: observables and notes on repairs."""

    observables: list[Observable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def is_single_comparison(pattern: str) -> bool:
    """True when ``pattern`` is one ``[type:path = 'value']`` comparison."""
    return _COMPARISON.match(pattern.strip()) is not None


def read_pattern(pattern: str) -> Reading:
    """Read a single-comparison pattern into canonical observables.

    Returns:
        A :class:`Reading`; usually one observable, two when an IP and a domain were run
        together in one value (seen in the Paragon bundles).

    Raises:
        InvalidInput: ``pattern`` is not a single comparison, or its value is empty or
            cannot be what its object type says (e.g. a SHA-256 that is not 64 hex digits).
    """
    match = _COMPARISON.match(pattern.strip())
    if match is None:
        raise InvalidInput("pattern", "not a single-comparison STIX pattern")
    value = _unescape(match["value"]).strip()
    if not value:
        raise InvalidInput("pattern", "empty value")
    return _canonical(match["type"].lower(), match["path"], value)


def _canonical(object_type: str, path: str, value: str) -> Reading:
    if object_type == "file" and path.lower().startswith("hashes."):
        return _hash(path, value)
    if object_type == "app" and path.lower() == "cert.sha256":
        return Reading([Observable("app", "cert.sha256", _hex(value, "SHA-256"))])
    if object_type == "domain-name" and path == "value":
        return _host(value, Reading(), object_type)
    if object_type == "network-traffic" and path == "dst_ref":
        note = "network-traffic:dst_ref compared to a string: read as the destination host"
        return _host(value, Reading(notes=[note]), object_type)
    if object_type in ("ipv4-addr", "ipv6-addr") and path == "value":
        return _address(value)
    if object_type == "email-addr" and path == "value":
        local, _, domain = value.rpartition("@")
        return Reading([Observable("email-addr", "value", f"{local}@{domain.lower()}")])
    return _other(object_type, path, value)


def _other(object_type: str, path: str, value: str) -> Reading:
    reading = Reading([Observable(object_type, path, value)])
    if object_type == "file" and path == "path":
        reading.notes.append("file:path is not a STIX 2.1 File property; kept (MVT reads it)")
    return reading


def _hash(path: str, value: str) -> Reading:
    raw_key = path[len("hashes.") :].strip("'\"")
    key = _HASH_KEYS.get(re.sub(r"[^a-z0-9]", "", raw_key.lower()), raw_key)
    notes = [] if key == raw_key else [f"hash key {raw_key!r} written as {key!r}"]
    digest = _hex(value, key)
    if digest != value:
        notes.append("hash value lower-cased")
    return Reading([Observable("file", f"hashes.'{key}'", digest)], notes)


def _hex(value: str, key: str) -> str:
    digest = value.lower()
    length = _HEX_LENGTH.get(key)
    if length is not None and (len(digest) != length or not _HEX.match(digest)):
        raise InvalidInput("pattern", f"{value!r} is not a {key} digest")
    return digest


def _ip(value: str) -> Observable | None:
    try:
        version = (
            ipaddress.ip_network(value, strict=False).version
            if "/" in value
            else ipaddress.ip_address(value).version
        )
    except ValueError:
        return None
    return Observable("ipv4-addr" if version == 4 else "ipv6-addr", "value", value)


def _address(value: str) -> Reading:
    ip = _ip(value.strip().lower())
    if ip is None:
        raise InvalidInput("pattern", f"{value!r} is not an IP address or CIDR block")
    return Reading([ip])


def _host(value: str, reading: Reading, declared: str) -> Reading:
    host = value.strip().lower().rstrip(".")
    if host != value and "/" not in host:
        reading.notes.append(f"host {value!r} lower-cased")
    ip = _ip(host)
    if ip is not None:
        if declared == "domain-name":
            reading.notes.append(
                f"IP address {host!r} written as domain-name: read as {ip.object_type}"
            )
        reading.observables.append(ip)
        return reading
    if "/" in host:
        reading.notes.append(f"URL path dropped from host {value!r}")
        return _host(host.split("/", 1)[0], reading, declared)
    head = _IPV4_HEAD.match(host)
    if head is not None:
        reading.notes.append(f"IP and domain run together in {value!r}: split in two")
        reading.observables.append(Observable("ipv4-addr", "value", head[1]))
        host = host[len(head[1]) :]
    if not _DOMAIN.match(host):
        raise InvalidInput("pattern", f"{value!r} is not a domain name or IP address")
    reading.observables.append(Observable("domain-name", "value", host))
    return reading
