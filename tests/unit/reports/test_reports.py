"""Reports computed from the log alone; verification fails on one changed entry or figure."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pallmall.cli.reports import report_app
from pallmall.core.errors import InvalidInput, VerificationError
from pallmall.log import CheckpointError
from pallmall.reports import (
    ReportMismatch,
    build_report,
    make_spec,
    parse_period,
    parse_statements,
    read_log,
    report_csv,
    verify_report,
)
from pallmall.reports.charts import counts_chart, decisions_chart
from tests.unit.reports.conftest import SIZE, LogFixture

SPEC = make_spec("GB", date(2026, 1, 1), date(2026, 12, 31), "2026")


def report_of(log: LogFixture) -> dict:
    snapshot = read_log(log.public, log.vkey)
    said = parse_statements({"C6": {"status": "met", "statement": "All transfers licensed."}})
    return build_report(snapshot, SPEC, "rpt-1", "2026-06-01T00:00:00Z", said).to_json()


def test_figures_count_what_the_log_holds(test_log: LogFixture) -> None:
    f = report_of(test_log)["figures"]
    lic = f["licences"]
    assert (lic["granted"], lic["denied"], lic["revoked"]) == (1, 1, 1)
    assert (lic["amended"], lic["expired"]) == (0, 0)
    assert lic["by_destination"]["AE"] == {"denied": 1, "granted": 0, "revoked": 0}
    assert lic["by_destination"]["FR"] == {"denied": 0, "granted": 1, "revoked": 1}
    assert lic["by_category"]["exploit"]["granted"] == 1
    assert "DE" not in lic["by_destination"]  # the French authority's decision
    assert f["appeals"] == {"allowed": 1, "dismissed": 1}
    assert f["restrictions"] == {"cleared": 0, "imposed": 1, "lifted": 1}
    assert f["procurement"] == {"go": 0, "no_go": 1}
    assert f["use_authorisations"]["authorised"] == 1
    assert f["incidents"]["confirmed"] == 1
    assert f["incidents"]["by_category"] == {
        "rights_violation": 1,
        "unlawful_privacy_interference": 1,
    }
    assert f["incidents"]["victims_by_category"] == {"journalist": 2}
    reg = f["registry"]
    assert reg["new_designations_by_authority"] == {"US Commerce BIS Entity List": 1}
    assert reg["designated_parties_at_end"] == 1
    assert reg["changes"] == 2  # org-b's update was in 2025
    assert f["entries"]["foreign"] == 1
    assert f["entries"]["repeated"] == 1  # case-2's decision, appended twice, counts once
    assert (f["entries"]["other_states"], f["entries"]["no_state"]) == (1, 1)
    src = f["sources"]
    assert (src["licences.granted"], src["licences.denied"]) == ([3], [2])
    assert (src["appeals.allowed"], src["restrictions.lifted"]) == ([11], [11])
    assert src["incidents.confirmed"] == [7]


def test_each_state_counts_only_its_own_decisions(test_log: LogFixture) -> None:
    snapshot = read_log(test_log.public, test_log.vkey)
    spec = make_spec("fr", date(2026, 1, 1), date(2026, 12, 31))
    f = build_report(snapshot, spec, "r", "2026-06-01T00:00:00Z").figures
    assert f["licences"]["granted"] == 1 and f["licences"]["denied"] == 0
    assert f["licences"]["by_destination"] == {"DE": {"denied": 0, "granted": 1, "revoked": 0}}
    assert f["restrictions"]["imposed"] == 0
    assert f["incidents"]["confirmed"] == 1  # the node's, in every state's report
    assert f["entries"]["other_states"] == 8  # GB's eight decisions
    with pytest.raises(InvalidInput, match="alpha-2"):
        make_spec("the whole node", date(2026, 1, 1), date(2026, 12, 31))


def test_a_period_without_decisions_gives_zero_figures(test_log: LogFixture) -> None:
    spec = make_spec("GB", date(2025, 1, 1), date(2025, 12, 31))
    report = build_report(
        read_log(test_log.public, test_log.vkey), spec, "r", "2026-01-01T00:00:00Z"
    )
    lic = report.figures["licences"]
    assert (lic["granted"], lic["denied"], lic["revoked"]) == (0, 0, 0)
    assert report.figures["registry"]["changes"] == 1
    assert decisions_chart(lic["by_destination"], "destination") is None


def test_the_report_names_its_checkpoint_and_assesses_every_commitment(
    test_log: LogFixture,
) -> None:
    data = report_of(test_log)
    cp = data["checkpoint"]
    assert (cp["origin"], cp["size"]) == ("reports.test/log", SIZE)
    assert cp["note"].startswith(f"reports.test/log\n{SIZE}\n" + cp["root"] + "\n")
    rows = {r["id"]: r for r in data["assessment"]}
    assert len(rows) == 9
    assert rows["C6"]["status"] == "met"
    assert rows["C6"]["evidence"]["licences.denied"] == 1
    assert rows["C2"]["evidence"]["appeals"] == 2  # a group: its figures summed
    assert rows["C1"]["status"] == "not_assessed"


def test_verify_passes_after_the_log_grew(test_log: LogFixture) -> None:
    data = report_of(test_log)
    test_log.append(
        [("report.published", "rpt-1", {"digest": data["digest"]}, "2026-06-01T00:00:01Z", "c")]
    )
    checked = verify_report(data, test_log.public, test_log.vkey)
    assert checked.log_size == SIZE + 1 and checked.report.checkpoint.size == SIZE
    assert checked.recounted == 23
    assert checked.published_at == SIZE  # the log commits to this very report


def test_verify_fails_when_the_log_published_another_text(test_log: LogFixture) -> None:
    data = report_of(test_log)
    assert verify_report(data, test_log.public, test_log.vkey).published_at is None
    spec = {"state": "GB", "start": "2026-01-01", "end": "2026-12-31", "label": "2026"}
    other = {"digest": "0" * 64, "state": "GB", "period": spec}
    test_log.append([("report.published", "rpt-1", other, "2026-06-01T00:00:01Z", "c")])
    with pytest.raises(ReportMismatch, match=r"commits to another digest"):
        verify_report(data, test_log.public, test_log.vkey)


def test_verify_fails_when_one_figure_changed(test_log: LogFixture) -> None:
    data = report_of(test_log)
    data["figures"]["licences"]["denied"] = 0
    with pytest.raises(ReportMismatch, match=r"licences\.denied: report says 0, the log gives 1"):
        verify_report(data, test_log.public, test_log.vkey)


def test_verify_fails_when_the_evidence_or_digest_changed(test_log: LogFixture) -> None:
    data = report_of(test_log)
    data["assessment"][5]["evidence"]["licences.granted"] = 7
    with pytest.raises(ReportMismatch, match=r"C6\.licences\.granted"):
        verify_report(data, test_log.public, test_log.vkey)
    data = report_of(test_log)
    data["assessment"][5]["statement"] = "edited afterwards"
    with pytest.raises(ReportMismatch, match="digest"):
        verify_report(data, test_log.public, test_log.vkey)


def test_verify_fails_when_one_log_entry_changed(test_log: LogFixture) -> None:
    data = report_of(test_log)
    bundle = next((test_log.public / "tile" / "entries").rglob("*"), None)
    files = [p for p in (test_log.public / "tile" / "entries").rglob("*") if p.is_file()]
    assert bundle is not None and files
    served = max(files, key=lambda p: p.stat().st_size)  # the bundle of the whole log
    raw = served.read_bytes()
    assert b'"destination":"AE"' in raw
    served.write_bytes(raw.replace(b'"destination":"AE"', b'"destination":"AF"', 1))
    with pytest.raises(CheckpointError, match="an entry was changed"):
        verify_report(data, test_log.public, test_log.vkey)


def test_verify_fails_with_another_key(test_log: LogFixture) -> None:
    from pallmall.log import generate_signer

    other = generate_signer("reports.test/log").vkey
    with pytest.raises(VerificationError, match=r"signature|key"):
        verify_report(report_of(test_log), test_log.public, other)


def test_csv_has_a_row_per_figure(test_log: LogFixture) -> None:
    from pallmall.reports import report_from_json

    report, _ = report_from_json(report_of(test_log))
    lines = report_csv(report).splitlines()
    assert lines[0].startswith("section,figure,value,report")
    assert f"licences,denied,1,rpt-1,GB,2026,reports.test/log,{SIZE}" in lines
    assert f"sources,licences.revoked,5,rpt-1,GB,2026,reports.test/log,{SIZE}" in lines
    assert any(line.startswith("assessment,C6.status,met") for line in lines)


def test_charts_are_svg_with_text_alternatives(test_log: LogFixture) -> None:
    f = report_of(test_log)["figures"]
    chart = decisions_chart(f["licences"]["by_destination"], "destination")
    assert chart is not None and chart.svg.startswith('<svg aria-hidden="true"')
    assert "AE: 0 granted, 1 denied" in chart.alt
    assert chart.table[0] == ["destination", "granted", "denied"]
    incidents = counts_chart(f["incidents"]["by_category"], "Incidents", "incidents")
    assert incidents is not None and "rights violation: 1" in incidents.alt


def test_periods_and_statements_are_checked() -> None:
    assert parse_period("2026-Q2") == (date(2026, 4, 1), date(2026, 6, 30), "2026-Q2")
    assert parse_period("2024-02")[1] == date(2024, 2, 29)
    with pytest.raises(InvalidInput, match="period"):
        parse_period("last year")
    with pytest.raises(InvalidInput, match="C99"):
        parse_statements({"C99": {"status": "met"}})
    with pytest.raises(InvalidInput, match=r"C1\.status"):
        parse_statements({"C1": {"status": "perfect"}})


def test_cli_verify_exits_0_then_2_with_the_reason(test_log: LogFixture, tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "report.json"
    data = report_of(test_log)
    path.write_text(json.dumps(data))
    args = ["verify", str(path), "--log", str(test_log.public), "--vkey", test_log.vkey]
    ok = runner.invoke(report_app, args)
    assert ok.exit_code == 0, ok.output
    assert "OK rpt-1: " in ok.output and "match the report" in ok.output
    assert "independent recount" in ok.output and "not published in this log" in ok.output
    data["figures"]["incidents"]["confirmed"] = 2
    path.write_text(json.dumps(data))
    bad = runner.invoke(report_app, args)
    assert bad.exit_code == 2
    assert "incidents.confirmed: report says 2, the log gives 1" in bad.output


def test_a_builder_that_miscounts_cannot_verify_itself(
    test_log: LogFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Break the builder (it reads no licence decision at all, the way it once looked for
    ``licence.*`` kinds nobody writes): its report agrees with itself, and verify fails."""
    import pallmall.reports.build as build
    import pallmall.reports.figures as figures

    def blind(kind: str, outcome: str | None, appeal: bool) -> tuple[str, ...]:
        if kind.startswith("cases.licence."):
            return ()
        return figures_of(kind, outcome, appeal)

    figures_of = figures.report_figures
    monkeypatch.setattr(figures, "report_figures", blind)
    data = report_of(test_log)
    assert data["figures"]["licences"]["denied"] == 0  # the broken builder's figure
    assert build.compute_figures is figures.compute_figures  # verify uses the same builder
    with pytest.raises(ReportMismatch, match="independent recount") as failed:
        verify_report(data, test_log.public, test_log.vkey)
    assert "licences.denied: report says 0, a recount gives 1" in str(failed.value)


def test_a_builder_that_counts_a_change_twice_cannot_verify_itself(
    test_log: LogFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pallmall.reports.figures as figures

    def every_copy(records):  # type: ignore[no-untyped-def]  # a stand-in for once_per_change
        return [figures._Item(r.index, r.entry) for r in records if r.entry], []

    monkeypatch.setattr(figures, "once_per_change", every_copy)
    data = report_of(test_log)
    assert data["figures"]["licences"]["granted"] == 2
    with pytest.raises(
        ReportMismatch, match=r"licences\.granted: report says 2, a recount gives 1"
    ):
        verify_report(data, test_log.public, test_log.vkey)


def test_the_recount_reads_kinds_with_its_own_table() -> None:
    import ast

    import pallmall.reports.recount as recount

    tree = ast.parse(Path(recount.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(
        m.startswith(("pallmall.disclosure", "pallmall.reports.figures")) for m in imported if m
    )
    # and the two tables agree on what a report counts, so neither drifted alone
    from pallmall.disclosure.kinds import REPORT_FIGURES, counted_figures

    mine = {f for t in recount.TABLE.values() for f in t.values()} | {recount.ALLOWED}
    assert mine == set(counted_figures())
    assert {".".join(k) for k in recount.TABLE} == set(REPORT_FIGURES)
