"""Screening benchmark: pallmall's matcher beside nomenklatura ``logic-v2`` and plain
rapidfuzz ``WRatio``, on the same data, in one run.

    .venv/bin/python bench/screening_bench.py            # full run (several minutes)
    .venv/bin/python bench/screening_bench.py --quick    # smaller samples (about a minute)
    .venv/bin/python bench/screening_bench.py --pallmall-only  # full samples, no logic-v2
    ... --stored-person-names  # given-name symbols from the stored table, not the tagger

Quality:
- name pairs (nomenklatura ``contrib/name_bench/cases.csv``): F1 on the whole set and on
  the curated groups (every group except the LLM-generated ``synth_*`` ones: ``nk_checks``,
  ``nk_unit_tests``, ``cluster_align``, ``cust_cases``); pallmall scores ``name1`` as a
  party against ``name2`` as a list entry's name (``compare_entry``, the screen's own path,
  list-name variants included, no other evidence); each matcher at its threshold
  (pallmall 0.70, logic-v2 0.70 as in name_bench, WRatio at its best threshold on the set,
  which flatters it);
- entity checks (``contrib/entity_bench/checks.yml``): accuracy (the checks carry names
  only: ``name`` and the name parts, no birth date, country or identifier);
- yente's UN positives, untreated and treated (typos, reshuffles), screened against the UN
  list: alert recall, and whether the right UN entry is among the alerts (measured on the
  positives whose person is in this UN snapshot);
- yente's synthetic negatives screened against the UN list: false-alert rate.

Speed: per-party latency against all loaded lists (OFAC SDN with aliases, OFAC non-SDN,
UN, UK, CSL samples) on one core (one thread), p50 and p95, as wall-clock time and as the
process's CPU time (on a shared, loaded machine the wall clock includes waiting for a
core; the CPU time is what the party costs); the load average is printed beside them.
logic-v2 runs behind rapidfuzz blocking (its 20 best WRatio names), on a sample, because it
has no index of its own.

A benchmark is not a test: nothing here fails on a figure.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from pallmall.screening import (
    EntryName,
    EntrySchema,
    ListEntry,
    ListFormat,
    ListSource,
    LoadReport,
    NameType,
    Party,
    Screener,
    SnapshotInfo,
    compare_entry,
    load_list,
)
from pallmall.screening.normalisation import normalise, use_person_table
from pallmall.screening.person_names import PersonNameTable, write_person_table

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "screening-data"
THRESHOLD = 0.7
SCHEMAS = {
    "Person": EntrySchema.PERSON,
    "Company": EntrySchema.ORGANIZATION,
    "Organization": EntrySchema.ORGANIZATION,
    "LegalEntity": EntrySchema.UNKNOWN,
    "Vessel": EntrySchema.VESSEL,
}
PART_PROPS = ("firstName", "middleName", "fatherName", "lastName")


# --- the three matchers, pairwise -------------------------------------------------------


BENCH_SNAPSHOT = SnapshotInfo("bench", "1", None)


def ours_names(name1: str, name2: str, schema: str) -> float:
    """``name1`` screened as a party against ``name2`` as a list entry's name: the same
    path as a screen (list-name variants included), no other evidence."""
    kind = SCHEMAS[schema]
    kind = EntrySchema.ORGANIZATION if kind is EntrySchema.UNKNOWN else kind
    entry = ListEntry("bench", "1", kind, (EntryName(name2),))
    hit = compare_entry(Party(name1, kind), entry, BENCH_SNAPSHOT)
    return hit.name_match.score if hit else 0.0


def wratio(name1: str, name2: str, _schema: str = "") -> float:
    return float(fuzz.WRatio(name1, name2, processor=str.lower)) / 100


class LogicV2:
    """nomenklatura's logic-v2 on FtM entities (benchmark-only dependency)."""

    def __init__(self) -> None:
        from followthemoney import ValueEntity, model
        from nomenklatura.matching.logic_v2.model import LogicV2 as Model

        self.model, self.entity, self.algorithm = model, ValueEntity, Model
        self.config = Model.default_config()
        self.counter = 0

    def make(self, schema: str, props: dict[str, Sequence[str]]) -> Any:
        self.counter += 1
        found = self.model.get(schema)
        if found is None:
            raise ValueError(f"no FtM schema {schema!r}")
        entity = self.entity(found, {"id": f"e{self.counter}"})
        for prop, values in props.items():
            for value in values:
                if value:
                    entity.add(prop, value, cleaned=False)
        return entity

    def compare(self, query: Any, candidate: Any) -> float:
        return float(self.algorithm.compare(query, candidate, self.config).score)

    def names(self, name1: str, name2: str, schema: str) -> float:
        return self.compare(
            self.make(schema, {"name": [name1]}), self.make(schema, {"name": [name2]})
        )


class NoLogicV2(LogicV2):
    """Stands in for logic-v2 with ``--pallmall-only`` (its comparisons are the slow part
    of a run): every comparison scores 0, and its column and WRatio's print as ``-``."""

    def __init__(self) -> None:
        self.counter = 0

    def make(self, schema: str, props: dict[str, Sequence[str]]) -> Any:
        return None

    def compare(self, query: Any, candidate: Any) -> float:
        return 0.0


# --- data ---------------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def un_list() -> LoadReport:
    return load_list(
        ListSource(ListFormat.UN_XML, DATA / "watchman" / "un_consolidated_2026-02-27.xml", "un_sc")
    )


def all_lists() -> list[LoadReport]:
    ofac = DATA / "ofac"
    sources = [
        ListSource(
            ListFormat.OFAC_CSV,
            ofac / "ofac_sdn_2024-05-03.csv",
            "us_ofac_sdn",
            alt=ofac / "ofac_alt_2024-01.csv",
            add=ofac / "ofac_add_2024-01.csv",
        ),
        ListSource(
            ListFormat.OFAC_CSV, DATA / "watchman" / "ofac_cons_prim_2025-12.csv", "us_ofac_cons"
        ),
        ListSource(
            ListFormat.UN_XML, DATA / "watchman" / "un_consolidated_2026-02-27.xml", "un_sc"
        ),
        ListSource(ListFormat.UK_DERIVED, DATA / "uk_sanctions_list_derived", "gb_fcdo"),
        ListSource(
            ListFormat.US_CSL_CSV, DATA / "watchman" / "us_csl_sample_2019.csv", "us_csl_2019"
        ),
        ListSource(ListFormat.US_CSL_CSV, DATA / "watchman" / "us_csl_sample_2025.csv", "us_csl"),
    ]
    return [load_list(s) for s in sources]


def party(row: dict[str, str]) -> Party:
    countries = tuple(c for c in (row.get("nationality", ""),) if c)
    return Party(
        row["full_name"],
        EntrySchema.PERSON,
        countries=countries,
        birth_date=row.get("date_of_birth", ""),
    )


# --- metrics ------------------------------------------------------------------------------


def f1(results: Iterable[tuple[bool, float]], threshold: float) -> float:
    tp = fp = fn = 0
    for truth, score in results:
        predicted = score >= threshold
        tp += truth and predicted
        fp += predicted and not truth
        fn += truth and not predicted
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def best_threshold(results: list[tuple[bool, float]]) -> float:
    grid = [t / 100 for t in range(50, 100)]
    return max(grid, key=lambda t: f1(results, t))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Row:
    metric: str
    ours: str
    logic_v2: str
    wratio: str
    target: str = ""


def pct(value: float) -> str:
    return f"{value:.1%}"


# --- sections -----------------------------------------------------------------------------


def name_bench(lv2: LogicV2) -> list[Row]:
    cases = read_csv(DATA / "nomenklatura" / "name_bench_cases.csv")
    curated = [not c["case_group"].startswith("synth") for c in cases]
    scores: dict[str, list[float]] = {
        "ours": [ours_names(c["name1"], c["name2"], c["schema"]) for c in cases],
        "lv2": [lv2.names(c["name1"], c["name2"], c["schema"]) for c in cases],
        "wr": [wratio(c["name1"], c["name2"]) for c in cases],
    }
    truth = [c["is_match"].lower() == "true" for c in cases]
    wr_t = best_threshold(list(zip(truth, scores["wr"], strict=True)))
    limits = {"ours": THRESHOLD, "lv2": THRESHOLD, "wr": wr_t}

    def figure(key: str, only_curated: bool) -> str:
        pairs = [
            (t, s)
            for t, s, c in zip(truth, scores[key], curated, strict=True)
            if c or not only_curated
        ]
        return f"{f1(pairs, limits[key]):.3f}"

    n_curated = sum(curated)
    return [
        Row(
            f"name pairs F1, whole set (n={len(cases)})",
            figure("ours", False),
            figure("lv2", False),
            f"{figure('wr', False)} (t={wr_t:.2f})",
            ">= 0.85",
        ),
        Row(
            f"name pairs F1, curated groups (n={n_curated})",
            figure("ours", True),
            figure("lv2", True),
            f"{figure('wr', True)} (t={wr_t:.2f})",
            ">= 0.92",
        ),
    ]


def entity_bench(lv2: LogicV2) -> list[Row]:
    with (DATA / "nomenklatura" / "entity_bench_checks.yml").open(encoding="utf-8") as handle:
        checks = yaml.safe_load(handle)["checks"]
    snapshot = SnapshotInfo("bench", "1", None)
    right = {"ours": 0, "lv2": 0, "wr": 0}
    for number, check in enumerate(checks):
        query, candidate, schema = check["query"], check["candidate"], check["schema"]
        truth = bool(check["match"])
        q_names, c_names = entity_names(query), entity_names(candidate)
        entry = ListEntry(
            "bench", str(number), SCHEMAS[schema], tuple(EntryName(n) for n in c_names)
        )
        hit = compare_entry(
            Party(q_names[0], SCHEMAS[schema], aliases=tuple(q_names[1:])), entry, snapshot
        )
        right["ours"] += ((hit.score if hit else 0.0) >= THRESHOLD) == truth
        score = lv2.compare(
            lv2.make(schema, as_props(query)), lv2.make(schema, as_props(candidate))
        )
        right["lv2"] += (score >= THRESHOLD) == truth
        wr = max(wratio(a, b) for a in q_names for b in c_names)
        right["wr"] += (wr >= 0.9) == truth
    n = len(checks)
    return [
        Row(
            f"entity checks accuracy (n={n})",
            pct(right["ours"] / n),
            pct(right["lv2"] / n),
            f"{pct(right['wr'] / n)} (t=0.90)",
            ">= 93%",
        )
    ]


def entity_names(props: dict[str, str]) -> list[str]:
    names = [props["name"]] if "name" in props else []
    parts = " ".join(props[p] for p in PART_PROPS if p in props)
    return names + ([parts] if parts else [])


def as_props(props: dict[str, str]) -> dict[str, Sequence[str]]:
    return {k: [v] for k, v in props.items()}


class Lv2Screen:
    """logic-v2 behind rapidfuzz blocking: the 20 best WRatio names, then compare."""

    def __init__(self, lv2: LogicV2, entries: Sequence[ListEntry]) -> None:
        self.lv2 = lv2
        self.names: list[str] = []
        self.owner: list[int] = []
        self.entities = [self._entity(e) for e in entries]
        self.entries = entries
        for number, entry in enumerate(entries):
            for name in entry.names:
                self.names.append(name.value)
                self.owner.append(number)

    def _entity(self, entry: ListEntry) -> Any:
        schema = {"person": "Person", "vessel": "Vessel"}.get(entry.schema.value, "LegalEntity")
        props: dict[str, Sequence[str]] = {
            "name": [n.value for n in entry.names if n.kind is NameType.PRIMARY],
            "alias": [n.value for n in entry.names if n.kind is not NameType.PRIMARY],
            "country": list(entry.countries),
        }
        if schema == "Person":
            props["birthDate"] = [d.iso() for d in entry.birth_dates]
        return self.lv2.make(schema, props)

    def alerts(self, row: dict[str, str]) -> set[str]:
        query = self.lv2.make(
            "Person",
            {
                "name": [row["full_name"]],
                "birthDate": [row.get("date_of_birth", "")],
                "nationality": [row.get("nationality", "")],
            },
        )
        found = process.extract(
            row["full_name"], self.names, scorer=fuzz.WRatio, processor=str.lower, limit=20
        )
        numbers = {self.owner[i] for _, _, i in found}
        return {
            self.entries[n].entry_id
            for n in numbers
            if self.lv2.compare(query, self.entities[n]) >= THRESHOLD
        }


class WRatioScreen:
    """Plain WRatio: any list name at or above 90 is an alert."""

    def __init__(self, entries: Sequence[ListEntry]) -> None:
        self.names = [n.value for e in entries for n in e.names]
        self.owner = [e.entry_id for e in entries for _ in e.names]

    def alerts(self, row: dict[str, str]) -> set[str]:
        found = process.extract(
            row["full_name"],
            self.names,
            scorer=fuzz.WRatio,
            processor=str.lower,
            limit=10,
            score_cutoff=90,
        )
        return {self.owner[i] for _, _, i in found}


def targets_of(un: LoadReport, rows: Sequence[dict[str, str]]) -> list[set[str]]:
    """The UN entries each untreated positive names exactly (same normalised name)."""
    by_key: dict[str, set[str]] = {}
    for entry in un.entries:
        for name in entry.names:
            by_key.setdefault(normalise(name.value, EntrySchema.PERSON).key, set()).add(
                entry.entry_id
            )
    return [by_key.get(normalise(r["full_name"], EntrySchema.PERSON).key, set()) for r in rows]


def positives(un: LoadReport, lv2: LogicV2, quick: bool) -> list[Row]:
    untreated = read_csv(DATA / "yente" / "cgb_positives_un_untreated.csv")
    treated = read_csv(DATA / "yente" / "cgb_positives_un_treated.csv")
    targets = targets_of(un, untreated)
    screener = Screener([un])

    def ours(row: dict[str, str]) -> set[str]:
        return {h.entry_id for h in screener.screen(party(row)).alerts}

    others = {"lv2": Lv2Screen(lv2, un.entries).alerts, "wr": WRatioScreen(un.entries).alerts}
    sample = range(0, len(untreated), 4 if quick else 1)
    rows = []
    for label, data in (("untreated", untreated), ("treated", treated)):
        figures = {}
        for key, matcher in (("ours", ours), *others.items()):
            indices = range(len(data)) if key == "ours" else sample
            figures[key] = recall(matcher, data, targets, indices)
        n_other = len(sample)
        target = ">= 99%" if label == "treated" else ""
        rows.append(
            Row(
                f"UN {label}: alert recall (ours n={len(data)}, others n={n_other})",
                pct(figures["ours"][0]),
                pct(figures["lv2"][0]),
                pct(figures["wr"][0]),
                target,
            )
        )
        rows.append(
            Row(
                f"UN {label}: right entry among alerts",
                pct(figures["ours"][1]),
                pct(figures["lv2"][1]),
                pct(figures["wr"][1]),
            )
        )
    return rows


def recall(
    matcher: Callable[[dict[str, str]], set[str]],
    rows: Sequence[dict[str, str]],
    targets: Sequence[set[str]],
    indices: Iterable[int],
) -> tuple[float, float]:
    alerted = right = known = total = 0
    for i in indices:
        found = matcher(rows[i])
        total += 1
        alerted += bool(found)
        if targets[i]:
            known += 1
            right += bool(found & targets[i])
    return alerted / total, right / max(1, known)


def negatives(un: LoadReport, lv2: LogicV2, quick: bool) -> list[Row]:
    names = ("validation_negatives_global.csv", "validation_negatives_us.csv")
    if not quick:
        names = ("cgb_negatives_global.csv", "cgb_negatives_us.csv")
    rows = [r for n in names for r in read_csv(DATA / "yente" / n)]
    screener = Screener([un])
    ours = sum(bool(screener.screen(party(r)).alerts) for r in rows) / len(rows)
    sample = random.Random(7).sample(rows, 200 if quick else 1000)
    lv2_screen, wr_screen = Lv2Screen(lv2, un.entries), WRatioScreen(un.entries)
    lv2_rate = sum(bool(lv2_screen.alerts(r)) for r in sample) / len(sample)
    wr_rate = sum(bool(wr_screen.alerts(r)) for r in sample) / len(sample)
    return [
        Row(
            f"synthetic negatives: false alerts (ours n={len(rows)}, others n={len(sample)})",
            f"{ours:.2%}",
            f"{lv2_rate:.2%}",
            f"{wr_rate:.2%}",
            "<= 0.3%",
        )
    ]


def speed(lv2: LogicV2, quick: bool) -> list[Row]:
    start = time.perf_counter()
    reports = all_lists()
    screener = Screener(reports)
    built = time.perf_counter() - start
    entries = [e for r in reports for e in r.entries]
    queries = read_csv(DATA / "yente" / "validation_negatives_global.csv")[:500]
    queries += read_csv(DATA / "yente" / "cgb_positives_un_treated.csv")[:500]
    random.Random(3).shuffle(queries)
    queries = queries[: 300 if quick else 1000]
    ours = timed(lambda r: screener.screen(party(r)), queries)
    sample = queries[: 20 if quick else 60]
    lv2_times = timed(Lv2Screen(lv2, entries).alerts, sample)
    wr_times = timed(WRatioScreen(entries).alerts, sample)

    def show(times: list[tuple[float, float]], which: int) -> str:
        values = [t[which] for t in times]
        return f"{percentile(values, 0.5):.1f} / {percentile(values, 0.95):.1f}"

    def row(label: str, which: int, target: str) -> Row:
        return Row(
            f"{label}, p50 / p95, all lists ({len(entries)} entries; "
            f"ours n={len(ours)}, others n={len(sample)})",
            show(ours, which),
            show(lv2_times, which),
            show(wr_times, which),
            target,
        )

    return [
        row("ms per party (wall clock)", 0, "p95 <= 15 ms"),
        row("ms per party (CPU time of this process)", 1, ""),
        Row("index build, s (ours: load + normalise + index)", f"{built:.1f}", "-", "-"),
        Row("load average (1 min) at the end of the speed runs", f"{os.getloadavg()[0]:.2f}",
            "", ""),
    ]  # fmt: skip


def timed(
    fn: Callable[[dict[str, str]], object], rows: Sequence[dict[str, str]]
) -> list[tuple[float, float]]:
    """Wall-clock and CPU milliseconds of ``fn`` per row: on a shared machine the CPU
    time is the better estimate of what one party costs on one free core."""
    times = []
    for row in rows:
        start, cpu = time.perf_counter(), time.process_time()
        fn(row)
        times.append(((time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000))
    return times


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="smaller samples, about a minute")
    parser.add_argument(
        "--pallmall-only", action="store_true", help="pallmall's column only (no logic-v2)"
    )
    parser.add_argument(
        "--stored-person-names",
        action="store_true",
        help="given-name symbols from a stored person-name table (as a server or CLI "
        "with a data folder reads them), not from rigour's tagger",
    )
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"{DATA} is absent: the benchmark needs ../shared/screening-data", file=sys.stderr)
        return 2
    if args.stored_person_names:
        scratch = Path(tempfile.mkdtemp(prefix="pallmall-person-names-"))
        use_person_table(PersonNameTable(write_person_table(scratch)))
    lv2 = NoLogicV2() if args.pallmall_only else LogicV2()
    un = un_list()
    rows: list[Row] = []
    sections: list[tuple[str, Callable[[], list[Row]]]] = [
        ("name pairs", lambda: name_bench(lv2)),
        ("entity checks", lambda: entity_bench(lv2)),
        ("UN positives", lambda: positives(un, lv2, args.quick)),
        ("negatives", lambda: negatives(un, lv2, args.quick)),
        ("speed", lambda: speed(lv2, args.quick)),
    ]
    for title, section in sections:
        start = time.perf_counter()
        rows.extend(section())
        print(f"  ... {title} done in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    if args.pallmall_only:
        rows = [replace(r, logic_v2="-", wratio="-") for r in rows]
    print_table(rows)
    return 0


def print_table(rows: list[Row]) -> None:
    header = Row("metric", "pallmall", "logic-v2", "WRatio", "target")
    widths = [
        max(len(getattr(r, f)) for r in [header, *rows])
        for f in ("metric", "ours", "logic_v2", "wratio", "target")
    ]
    for row in [header, *rows]:
        cells = (row.metric, row.ours, row.logic_v2, row.wratio, row.target)
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))


if __name__ == "__main__":
    raise SystemExit(main())
