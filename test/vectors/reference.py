#!/usr/bin/env python3
"""Independent reference for the shared test vectors (test/vectors/vectors.json).

Written from docs/rounding.md alone, in another language, with exact rational arithmetic (fractions.Fraction):
no fixed point, no code shared with the Solidity library or its TypeScript mirror. It regenerates the expected
tables of vectors.json; the hand-checked figures quoted in each vector's "source" were checked against it.

    python3 test/vectors/reference.py > test/vectors/vectors.json
"""
import json
from fractions import Fraction

DAY = 86_400
YEAR = 365 * DAY
RATE_DENOMINATOR = 10_000 * YEAR


def half_up(x: Fraction) -> int:
    """Round half up, for x >= 0."""
    floor = x.numerator // x.denominator
    return floor + 1 if x - floor >= Fraction(1, 2) else floor


def rate(rate_bps: int, seconds: int) -> Fraction:
    return Fraction(rate_bps * seconds, RATE_DENOMINATOR)


def annuity_payment(p: int, rate_bps: int, interval: int, n: int) -> int:
    if rate_bps == 0:
        return half_up(Fraction(p, n))
    r = rate(rate_bps, interval)
    return half_up(p * r / (1 - (1 + r) ** -n))


def table(t: dict) -> list:
    p, kind, bps = int(t["principal"]), t["kind"], t["rateBps"]
    if kind == "bullet":
        term = t["intervalSeconds"] * t["count"]
        return [[term, p, half_up(p * rate(bps, term))]]
    rows, balance, n = [], p, t["count"]
    a = annuity_payment(p, bps, t["intervalSeconds"], n) if kind == "annuity" else 0
    for k in range(1, n + 1):
        if kind == "custom":
            start = 0 if k == 1 else t["dueOffsets"][k - 2]
            due = t["dueOffsets"][k - 1]
            interest = half_up(balance * rate(bps, due - start))
            principal = balance if k == n else min(int(t["principals"][k - 1]), balance)
        else:
            due = k * t["intervalSeconds"]
            interest = half_up(balance * rate(bps, t["intervalSeconds"]))
            if k == n:
                principal = balance
            elif kind == "annuity":
                principal = min(max(a - interest, 0), balance)
            elif kind == "equalPrincipal":
                principal = min(p // n, balance)
            else:
                principal = 0
        rows.append([due, principal, interest])
        balance -= principal
    return rows


def penalty(t: dict, unpaid: int, due: int, as_of: int) -> int:
    if unpaid == 0 or as_of <= due + t["graceSeconds"]:
        return 0
    late_days = -(-(as_of - due) // DAY)
    interest = half_up(Fraction(unpaid * t["rateBps"] * late_days, 10_000 * 365))
    return min(interest + int(t["flatFee"]), unpaid * t["capBps"] // 10_000)


MONTH = YEAR // 12  # 2,628,000 s: with 1200 bps a year, exactly 1% a period.


def regular(kind, principal, rate_bps, interval, count):
    return {"kind": kind, "principal": str(principal), "rateBps": rate_bps, "intervalSeconds": interval,
            "count": count, "dueOffsets": [], "principals": []}


SCHEDULES = [
    ("textbook annuity: 100,000.00 at 1% a month for 12 months",
     "Published amortization figure: payment 8,884.88, first month interest 1,000.00 and principal 7,884.88 "
     "(P*r/(1-(1+r)^-12) with r = 1%). Amounts in cents.",
     regular("annuity", 10_000_000, 1200, MONTH, 12)),
    ("30-year mortgage: 200,000.00 at 6% a year, 360 monthly payments",
     "Published figure: monthly payment 1,199.10. Interest rounded per period, so the last installment "
     "absorbs the drift (1,200.14). Amounts in cents.",
     regular("annuity", 20_000_000, 600, MONTH, 360)),
    ("equal principal: 120,000 at 1% a period, 12 periods",
     "By hand: principal 10,000 each; interest 1% of the balance before: 1,200, 1,100, ..., 100.",
     regular("equalPrincipal", 120_000, 1200, MONTH, 12)),
    ("equal principal with a remainder: 100 over 3 periods at 0%",
     "By hand: floor(100/3) = 33, 33, and the last takes the remainder 34; no interest.",
     regular("equalPrincipal", 100, 0, 30 * DAY, 3)),
    ("interest only: 1,000,000 at 1% a period, 12 periods",
     "By hand: interest 10,000 each period; the whole principal with the 12th.",
     regular("interestOnly", 1_000_000, 1200, MONTH, 12)),
    ("bullet: 1,000,000 at 12% a year, 12 periods of 365/12 days",
     "By hand: one payment at 31,536,000 s (one year) of 1,000,000 + 12% = 120,000 interest.",
     regular("bullet", 1_000_000, 1200, MONTH, 12)),
    ("custom plan: 900,000 at 36.5% a year (0.1% a day), repaid on days 10, 30 and 60",
     "By hand: interest 900,000*0.1%*10 = 9,000; 600,000*0.1%*20 = 12,000; 300,000*0.1%*30 = 9,000.",
     {"kind": "custom", "principal": "900000", "rateBps": 3650, "intervalSeconds": 0, "count": 3,
      "dueOffsets": [10 * DAY, 30 * DAY, 60 * DAY], "principals": ["300000", "300000", "300000"]}),
    ("rounding half up: 50 at 1% for one period",
     "By hand: 50 * 1% = 0.5 exactly, which rounds up to 1.",
     regular("equalPrincipal", 50, 1200, MONTH, 1)),
    ("zero-rate annuity: 1,000 in 3 installments",
     "By hand: A = round-half-up(1000/3) = 333; 333, 333, and the last takes 334.",
     regular("annuity", 1_000, 0, 30 * DAY, 3)),
    ("the CLI example: 1,000,000,000 base units at 12% a year, 12 periods of 30 days",
     "r = 1200*2,592,000/315,360,000,000; A from the exact rational formula, rounded half up.",
     regular("annuity", 1_000_000_000, 1200, 30 * DAY, 12)),
    ("an exact half: 10,050 at 1% a month in 2 installments",
     "By hand: A = 10,050 * 0.01 * 1.0201 / 0.0201 = 5,100.5 exactly, which rounds up to 5,101; the first "
     "interest 100.5 rounds up to 101.",
     regular("annuity", 10_050, 1200, MONTH, 2)),
    ("tiny loan, more installments than base units: 5 units in 12 annuity payments at 10%",
     "By hand: A = round-half-up(5/12 + interest) = 0; principal parts 0 until the last, which takes all 5.",
     regular("annuity", 5, 1000, 30 * DAY, 12)),
]

PENALTY_TERMS = {"graceSeconds": 3 * DAY, "rateBps": 1825, "flatFee": "2000", "capBps": 1000}
PENALTIES = [
    ("before the due date", "No lateness, no penalty.", PENALTY_TERMS, 1_000_000, 1_000 * DAY, 999 * DAY),
    ("last second of the grace period", "Paid within grace: nothing extra.", PENALTY_TERMS, 1_000_000,
     1_000 * DAY, 1_003 * DAY),
    ("one second after grace", "By hand: 4 started days * 0.05% * 1,000,000 = 2,000, plus the 2,000 fee.",
     PENALTY_TERMS, 1_000_000, 1_000 * DAY, 1_003 * DAY + 1),
    ("30 days late", "By hand: 30 * 500 = 15,000 + 2,000 = 17,000 (below the 100,000 cap).", PENALTY_TERMS,
     1_000_000, 1_000 * DAY, 1_030 * DAY),
    ("200 days late, capped", "By hand: 100,000 + 2,000 = 102,000, capped at 10% of 1,000,000 = 100,000.",
     PENALTY_TERMS, 1_000_000, 1_000 * DAY, 1_200 * DAY),
    ("half a unit rounds up", "By hand: 1,000 * 0.05% * 1 day = 0.5, rounds up to 1; no grace, no fee.",
     {"graceSeconds": 0, "rateBps": 1825, "flatFee": "0", "capBps": 10_000}, 1_000, 0, 1),
    ("nothing unpaid", "No unpaid amount, no penalty.", PENALTY_TERMS, 0, 0, 400 * DAY),
]


def main() -> None:
    out = {
        "comment": "Generated by test/vectors/reference.py from docs/rounding.md. Amounts are decimal strings.",
        "schedules": [
            {"name": name, "source": source, "terms": terms,
             "rows": [[due, str(p), str(i)] for due, p, i in table(terms)]}
            for name, source, terms in SCHEDULES
        ],
        "penalties": [
            {"name": name, "source": source, "terms": terms, "unpaid": str(unpaid), "dueTime": due, "asOf": as_of,
             "penalty": str(penalty(terms, unpaid, due, as_of))}
            for name, source, terms, unpaid, due, as_of in PENALTIES
        ],
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
