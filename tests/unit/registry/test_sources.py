"""Sources of a restricted record default to restricted; a malformed ``sources`` is refused
as invalid input, never a crash (found by the OpenAPI fuzz: a float for ``sources``)."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from pallmall.disclosure import Visibility
from pallmall.registry.model import Organisation, Record


def test_sources_of_a_restricted_record_default_to_restricted() -> None:
    org = Organisation.model_validate(
        {
            "type": "organisation",
            "name": "Quiet Broker",
            "kinds": ["vendor"],
            "visibility": "restricted",
            "sources": [{"title": "A report", "url": "https://a.example/r"}],
        }
    )
    assert org.sources[0].visibility is Visibility.RESTRICTED


@pytest.mark.parametrize("sources", [1.5, "https://a.example", {"url": "https://a.example"}])
def test_a_malformed_sources_field_is_invalid_input(sources: object) -> None:
    body = {
        "type": "organisation",
        "name": "Quiet Broker",
        "kinds": ["vendor"],
        "visibility": "restricted",
    }
    with pytest.raises(ValidationError, match="sources"):
        TypeAdapter(Record).validate_python({**body, "sources": sources})
