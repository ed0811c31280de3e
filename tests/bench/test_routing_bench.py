"""Benchmark: routing decisions per second with 10,000 organizations and 1,000 rules, against a plain
dictionary lookup of the answer, in one run. Goal: under 1 ms per decision.

Run with `.venv/bin/python -m pytest tests/bench/test_routing_bench.py -p no:cacheprovider -q -s`.
This is a benchmark, not a test: it prints a table; it asserts the functional facts (every decision
equals the looked-up answer, the decisions explain themselves) and the 1 ms goal.

The data is deterministic (random.Random(7)): 10,000 mediation organizations over counties, towns
and villages of province 33 (every kind and level, stationing, capacities), a rules profile of 1,000
rules — 989 county-specific overrides (`when.regions` + a dispute type, as an operator with many
local arrangements would write them) followed by the 11 rules shipped with the project — and
DECISIONS cases spread over every area and dispute type, with open-case counts that fill some
organizations to capacity. `route` runs on the in-memory Directory the engine builds (the database
round trips of a real `divert` are the fire benchmark's business).

- route: workflows.routing.route(facts, directory, rules, load) — the full decision with its explanation.
- dict lookup: answers[facts] — the floor: a precomputed answer fetched from a dict.
"""

import os
import random
import statistics
import time
from decimal import Decimal

from workflows.routing.decide import Directory, Facts, OrgInfo, route
from workflows.routing.rules import DEFAULT_RULES, parse_rules

N_ORGS = 10_000
N_RULES = 1_000
DECISIONS = int(os.environ.get("JIEFEN_BENCH_DECISIONS", "20000"))
ROUNDS = int(os.environ.get("JIEFEN_BENCH_ROUNDS", "3"))
TYPES = [
    "labour",
    "land_contract",
    "medical",
    "traffic",
    "consumer",
    "property",
    "family",
    "neighbour",
    "contract",
    "commercial",
    "other",
]
COUNTY_KINDS = [
    ("people_mediation", TYPES),
    ("labour_mediation", ["labour"]),
    ("medical_mediation", ["medical"]),
    ("traffic_mediation", ["traffic"]),
    ("consumer_mediation", ["consumer"]),
    ("property_mediation", ["property"]),
    ("commercial_mediation", ["contract", "commercial"]),
]
STATIONING = ["resident", "rotating", "on_call"]


def build_orgs(rng: random.Random) -> tuple[list[OrgInfo], list[str]]:
    orgs: list[OrgInfo] = []
    villages: list[str] = []

    def add(code, kind, level, region, types, parent=None):
        st = rng.choice(STATIONING)
        orgs.append(
            OrgInfo(
                code,
                code,
                kind,
                level,
                region,
                parent,
                frozenset(types),
                st,
                ("mon", "wed") if st == "rotating" else (),
                rng.choice([None, None, 5, 20, 60]),
                frozenset({f"C{region[:6]}"}) if level == "county" and rng.random() < 0.5 else frozenset(),
            )
        )

    c = 0
    while len(orgs) < N_ORGS:
        county = f"33{c // 99 + 1:02d}{c % 99 + 1:02d}"
        c += 1
        for kind, types in COUNTY_KINDS:
            add(f"{county}-{kind}", kind, "county", county, types)
        for t in range(1, 13):
            town = f"{county}{t:03d}"
            add(
                f"{town}-people",
                "people_mediation",
                "town",
                town,
                ["neighbour", "family", "property", "contract", "other", "land_contract"],
                f"{county}-people_mediation",
            )
            add(f"{town}-labour", "labour_mediation", "town", town, ["labour"], f"{county}-labour_mediation")
            add(f"{town}-property", "property_mediation", "town", town, ["property"])
            for v in range(1, 15):
                village = f"{town}{v:03d}"
                villages.append(village)
                if v <= 12:  # a few villages have no committee of their own
                    add(
                        f"{village}-people",
                        "people_mediation",
                        "village",
                        village,
                        ["neighbour", "family", "land_contract"],
                        f"{town}-people",
                    )
                if len(orgs) >= N_ORGS:
                    return orgs[:N_ORGS], villages
    return orgs[:N_ORGS], villages


def build_rules(counties: list[str], rng: random.Random) -> str:
    shipped = DEFAULT_RULES.read_text(encoding="utf-8")
    head, _, shipped_rules = shipped.partition("rules:\n")
    lines = ["rules:"]
    for i in range(N_RULES - len(parse_rules(shipped, str(DEFAULT_RULES)).rules)):  # the shipped rules come last
        county = counties[i % len(counties)]
        t = TYPES[i % len(TYPES)]
        lines += [
            f"  - id: local_{i:04d}",
            f"    reason: 本地安排{i}",
            "    basis: 本地规则 (U)",
            f"    when: {{dispute_types: [{t}], regions: ['{county}']}}",
            f"    target: {{kinds: [people_mediation], levels: [{rng.choice(['county', 'town'])}]}}",
        ]
    return head + "\n".join(lines) + "\n" + shipped_rules


def test_routing_decisions_per_second():
    rng = random.Random(7)
    orgs, villages = build_orgs(rng)
    directory = Directory(orgs)
    counties = sorted({o.region for o in orgs if o.level == "county"})
    # Overrides for counties the cases never come from (so the whole list is scanned), one in ten for real ones.
    foreign = [f"34{i // 99 + 1:02d}{i % 99 + 1:02d}" for i in range(900)]
    rules = parse_rules(build_rules(foreign + counties[:89], rng), "<bench>")
    assert len(rules.rules) == N_RULES and len(directory.by_code) == N_ORGS
    load = {o.code: rng.randint(0, o.capacity) for o in orgs if o.capacity is not None and rng.random() < 0.3}

    facts = []
    for i in range(DECISIONS):
        region = rng.choice(villages)
        t = TYPES[i % len(TYPES)]
        court = rng.random() < 0.05
        facts.append(
            Facts(
                t,
                "court_referral" if court else "window",
                region,
                12 if rng.random() < 0.03 else 2,
                Decimal(rng.choice(["500.00", "80000.00", "2000000.00"])),
                f"C{region[:6]}" if court else None,
            )
        )
    # The answers, computed once (not timed): the dict lookup is the floor.
    answers = {f: route(f, directory, rules, load).org_code for f in facts}
    assert sum(1 for v in answers.values() if v is None) < len(answers) * 0.05

    timings: dict[str, list[float]] = {"route": [], "dict lookup": []}
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        chosen = [route(f, directory, rules, load) for f in facts]
        timings["route"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        looked = [answers[f] for f in facts]
        timings["dict lookup"].append(time.perf_counter() - t0)
        assert [d.org_code for d in chosen] == looked
        assert all(d.explanation["rules"][-1]["outcome"] == "chosen" for d in chosen if d.org_code)

    print(f"\nrouting: {N_ORGS:,} organizations, {N_RULES:,} rules, {DECISIONS:,} decisions × {ROUNDS} rounds (median)")
    print(f"{'method':<14} {'total s':>9} {'µs/decision':>12} {'decisions/s':>13}")
    per: dict[str, float] = {}
    for name, ts in timings.items():
        med = statistics.median(ts)
        per[name] = med / DECISIONS
        print(f"{name:<14} {med:>9.3f} {per[name] * 1e6:>12.2f} {DECISIONS / med:>13,.0f}")
    print(f"route / dict lookup: {per['route'] / per['dict lookup']:,.0f}×; goal < 1000 µs per decision")
    assert per["route"] < 1e-3, f"{per['route'] * 1e6:.0f} µs per decision"
