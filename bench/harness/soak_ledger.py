# SPDX-License-Identifier: MIT
"""soak_ledger - lost, duplicated and unexpected sequence numbers from dgram-sink summaries.

SUMMARY
    from soak_ledger import parse_runs, account
    runs = parse_runs("0-99,150-199")          # one summary's seq_runs=
    account(runs, sent_ranges=[(0, 199)])     # {"lost": 50, ...}

DESCRIPTION
    bench/soak merges the seq_runs of every dgram-sink child (each child
    reports the numbers it served as closed runs a-b) and compares them with
    the closed ranges the senders report as sent. Runs are swept as
    intervals, never expanded into numbers, so 10^6 datagrams in a thousand
    children cost a few thousand intervals. Tested by bench/harness/soak_ledger_test.py.

DIAGNOSTICS
    parse_runs raises ValueError naming the bad entry.
"""


def parse_runs(text):
    """parse_runs - dgram-sink's seq_runs=a-b,c-d (or none) as [(a, b), ...]."""
    if not text or text == "none":
        return []
    runs = []
    for part in text.split(","):
        low, sep, high = part.partition("-")
        if not sep or not low.isdigit() or not high.isdigit() or int(high) < int(low):
            raise ValueError(f"bad seq_runs entry {part!r}")
        runs.append((int(low), int(high)))
    return runs


def union_length(intervals):
    """union_length - numbers covered by closed intervals [(a, b), ...]."""
    total, end = 0, None
    for low, high in sorted(intervals):
        if end is None or low > end:
            total += high - low + 1
            end = high
        elif high > end:
            total += high - end
            end = high
    return total


def intersect(intervals, ranges):
    """intersect - the parts of intervals inside ranges (both closed [(a, b), ...])."""
    out = []
    for low, high in intervals:
        for r_low, r_high in ranges:
            a, b = max(low, r_low), min(high, r_high)
            if a <= b:
                out.append((a, b))
    return out


def missing(intervals, ranges, limit=20):
    """missing - up to limit closed intervals of ranges that intervals do not cover."""
    holes = []
    covered = sorted(intervals)
    for r_low, r_high in sorted(ranges):
        at = r_low
        for low, high in covered:
            if high < at or low > r_high:
                continue
            if low > at:
                holes.append((at, low - 1))
                if len(holes) >= limit:
                    return holes
            at = max(at, high + 1)
            if at > r_high:
                break
        if at <= r_high:
            holes.append((at, r_high))
            if len(holes) >= limit:
                return holes
    return holes


def account(runs, sent_ranges, uncertain_ranges=()):
    """account - lost, duplicated and unexpected numbers.

    runs: every child's seq_runs together; sent_ranges: what the senders
    report as sent; uncertain_ranges: what a stopped sender may or may not
    have sent (neither lost nor unexpected)."""
    reported = sum(high - low + 1 for low, high in runs)
    distinct = union_length(runs)
    sent = sum(high - low + 1 for low, high in sent_ranges)
    received_of_sent = union_length(intersect(runs, sent_ranges))
    claimed = list(sent_ranges) + list(uncertain_ranges)
    inside = union_length(intersect(runs, claimed))
    return {"sent": sent, "reported": reported, "distinct": distinct, "received": received_of_sent,
            "lost": sent - received_of_sent, "duplicated": reported - distinct, "unexpected": distinct - inside,
            "lost_ranges": missing(runs, sent_ranges) if received_of_sent < sent else []}
