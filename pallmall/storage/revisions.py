"""The schema revisions the code brings and the ones the database is at, read without
alembic: a process whose database is already at the newest revision (a server restarted
with the same code, every CLI command after the first) need not import alembic, mako and
pygments to learn that there is nothing to do (issue 16)."""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

VERSIONS = Path(__file__).parent / "migrations" / "versions"


def head_revisions(folder: Path = VERSIONS) -> frozenset[str]:
    """The revisions no other revision follows (alembic's heads), from the ``revision``
    and ``down_revision`` assignments at the top of each revision file in ``folder``."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in folder.glob("*.py"):
        for node in ast.parse(path.read_text(), filename=str(path)).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if not isinstance(target, ast.Name) or target.id not in ("revision", "down_revision"):
                continue
            found = ast.literal_eval(value)
            if target.id == "revision":
                revisions.add(found)
            elif target.id == "down_revision" and found is not None:
                parents |= {found} if isinstance(found, str) else set(found)
    return frozenset(revisions - parents)


def current_revisions(engine: Engine) -> frozenset[str]:
    """The revisions alembic recorded in ``engine``'s database (its ``alembic_version``
    table); empty for a database never migrated."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return frozenset()
        return frozenset(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def is_current(engine: Engine) -> bool:
    """Whether ``engine``'s database is at the code's newest revisions (nothing to
    migrate)."""
    return current_revisions(engine) == head_revisions()
