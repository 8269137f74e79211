"""Password hashes: argon2id (RFC 9106) at OWASP's parameters, with rehash on sign-in.

Parameters follow the OWASP Password Storage Cheat Sheet (2025): argon2id, 19 MiB of memory,
2 iterations, 1 lane, 16-byte salt, 32-byte tag. Hashes made before (``scrypt$...``, scrypt
at n=2**14) still verify and are reported as needing a rehash, so the next sign-in upgrades
them. Checking a password for an account that does not exist does the same argon2 work
against a dummy hash, so the time taken does not tell which e-mail addresses exist.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from pallmall.core.errors import InvalidInput

MIN_LENGTH = 10
_ARGON2 = PasswordHasher(
    time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)
_LEGACY_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


@dataclass(frozen=True)
class PasswordCheck:
    """The outcome of :func:`check_password`: ``ok``, and whether to store a fresh hash."""

    ok: bool
    needs_rehash: bool = False


def hash_password(password: str) -> str:
    """An argon2id hash in PHC string form (``$argon2id$v=19$m=19456,t=2,p=1$...``).

    Raises:
        InvalidInput: naming ``password`` when it is shorter than 10 characters.
    """
    if len(password) < MIN_LENGTH:
        raise InvalidInput("password", f"must have at least {MIN_LENGTH} characters")
    return _ARGON2.hash(password)


def check_password(password: str, stored: str | None) -> PasswordCheck:
    """Whether ``password`` matches ``stored`` (constant time in the hash compare).

    ``stored`` None (no such user, or a user without a password) costs the same argon2
    work as a real check and never matches.
    """
    if stored is None or not stored.startswith(("$argon2", "scrypt$")):
        _verify_argon2(password, _dummy_hash())
        return PasswordCheck(ok=False)
    if stored.startswith("scrypt$"):
        return PasswordCheck(ok=_verify_scrypt(password, stored), needs_rehash=True)
    ok = _verify_argon2(password, stored)
    return PasswordCheck(ok=ok, needs_rehash=ok and _ARGON2.check_needs_rehash(stored))


def _verify_argon2(password: str, stored: str) -> bool:
    try:
        return _ARGON2.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _verify_scrypt(password: str, stored: str) -> bool:
    try:
        _scheme, salt_hex, hash_hex = stored.split("$")
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    digest = hashlib.scrypt(password.encode(), salt=salt, **_LEGACY_SCRYPT)
    return hmac.compare_digest(digest.hex(), hash_hex)


@cache
def _dummy_hash() -> str:
    return _ARGON2.hash("no account has this password: it only spends the same time")
