"""Pattern repair and canonical form (STIX 2.1 §9), pinned on the defects of the real data."""

from __future__ import annotations

import pytest

from pallmall.core.errors import InvalidInput
from pallmall.intel.mvt import mvt_pattern
from pallmall.intel.pattern import read_pattern


def patterns(text: str) -> list[str]:
    return [o.pattern for o in read_pattern(text).observables]


def test_hash_keys_and_case_are_normalised() -> None:
    upper = "[file:hashes.sha256='" + "AB" * 32 + "']"
    spec = "[file:hashes.'SHA-256' = '" + "ab" * 32 + "']"
    assert patterns(upper) == patterns(spec) == [spec]


def test_novispy_ip_written_as_domain_name() -> None:
    assert patterns("[domain-name:value='176.223.111.131']") == [
        "[ipv4-addr:value = '176.223.111.131']"
    ]


def test_paragon_ip_and_domain_run_together_are_split() -> None:
    assert patterns("[domain-name:value='84.110.47.86forti.external-Staging-02.com']") == [
        "[ipv4-addr:value = '84.110.47.86']",
        "[domain-name:value = 'forti.external-staging-02.com']",
    ]


def test_coruna_url_path_in_domain_is_dropped() -> None:
    assert patterns("[domain-name:value='fgr1w2gnsdvsb.xyz/x']") == [
        "[domain-name:value = 'fgr1w2gnsdvsb.xyz']"
    ]


def test_insikt_dst_ref_compared_to_string() -> None:
    assert patterns("[network-traffic:dst_ref = 'a.example.org']") == [
        "[domain-name:value = 'a.example.org']"
    ]
    with pytest.raises(InvalidInput, match="empty value"):
        read_pattern("[network-traffic:dst_ref = '']")


def test_bad_digest_is_refused() -> None:
    with pytest.raises(InvalidInput, match="SHA-256"):
        read_pattern("[file:hashes.sha256='abc']")


def test_mvt_spelling() -> None:
    observable = read_pattern("[file:hashes.'SHA-256' = '" + "ab" * 32 + "']").observables[0]
    assert mvt_pattern(observable) == "[file:hashes.sha256='" + "ab" * 32 + "']"
    with pytest.raises(InvalidInput, match="split"):
        mvt_pattern(read_pattern("[url:value = 'http://x.example/?a=b']").observables[0])
