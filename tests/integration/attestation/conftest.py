"""The cases tests' world (vendor accounts, a registry vendor and product, authorities)."""

from tests.integration.cases.conftest import client, world  # noqa: F401  (fixtures)
