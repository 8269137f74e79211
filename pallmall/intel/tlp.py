"""Traffic Light Protocol labels and their STIX 2.1 marking definitions (STIX 2.1 §7.2.1.4)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pallmall.disclosure.marking import TLP_ORDER as TLP_ORDER
from pallmall.disclosure.marking import Tlp as Tlp

# The four TLP 1.0 marking definitions predefined by STIX 2.1 §7.2.1.4 (what we export) ...
_TLP1 = {
    Tlp.CLEAR: ("613f2e26-407d-48c7-9eca-b8e91df99dc9", "white"),
    Tlp.GREEN: ("34098fce-860f-48ae-8e50-ebd3cc5e41da", "green"),
    Tlp.AMBER: ("f88d31f6-486f-44da-b317-01333bde0b82", "amber"),
    Tlp.RED: ("5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "red"),
}
# ... and the TLP 2.0 ones of the OASIS TLP 2.0 extension, which we also read on import.
_TLP2 = {
    "94868c89-83c2-464b-929b-a1a8aa3c8487": Tlp.CLEAR,
    "bab4a63c-aed9-4cf5-a766-dfca5abac2bb": Tlp.GREEN,
    "55d920b0-5e8b-4f79-9ee9-91f868d9b421": Tlp.AMBER,
    "939a9414-2ddd-4d32-a0cd-375ea402b003": Tlp.AMBER_STRICT,
    "e828b379-4e03-4974-9ac4-e53a884c97c1": Tlp.RED,
}
_BY_MARKING: dict[str, Tlp] = {
    **{f"marking-definition--{uuid}": tlp for tlp, (uuid, _) in _TLP1.items()},
    **{f"marking-definition--{uuid}": tlp for uuid, tlp in _TLP2.items()},
}


def marking_ref(tlp: Tlp) -> str:
    """The STIX 2.1 TLP 1.0 marking-definition id for ``tlp`` (AMBER+STRICT maps to AMBER)."""
    key = Tlp.AMBER if tlp is Tlp.AMBER_STRICT else tlp
    return f"marking-definition--{_TLP1[key][0]}"


def marking_definition(tlp: Tlp) -> dict[str, Any]:
    """The predefined TLP marking-definition object for ``tlp`` (STIX 2.1 §7.2.1.4)."""
    key = Tlp.AMBER if tlp is Tlp.AMBER_STRICT else tlp
    colour = _TLP1[key][1]
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": marking_ref(key),
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "tlp",
        "name": f"TLP:{colour.upper()}",
        "definition": {"tlp": colour},
    }


def tlp_of_refs(refs: Iterable[str], default: Tlp) -> Tlp:
    """The most restricted TLP among marking ``refs``; ``default`` when none is a TLP marking."""
    found = [_BY_MARKING[ref] for ref in refs if ref in _BY_MARKING]
    return max(found, key=lambda t: t.rank) if found else default


def parse_tlp(text: str) -> Tlp | None:
    """Read a label such as ``TLP:GREEN``, ``tlp:white`` or ``amber+strict``; None if not TLP."""
    label = text.strip().lower().removeprefix("tlp:").strip()
    if label == "white":
        return Tlp.CLEAR
    try:
        return Tlp(label)
    except ValueError:
        return None
