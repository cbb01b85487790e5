# SPDX-License-Identifier: MIT
"""curves - bench/flood-compare --curves: how rates, delays and senders' waits change with the load.

DESCRIPTION
    A curve is one quantity measured over a range of one variable, the
    others held: every receiver of CURVE_CONTENDERS is flooded

      size      with one send(2) sender, datagrams of SIZES bytes;
      senders   with 100-byte datagrams from SENDERS processes at once;
      qlen      both of the above at each queue length (--qlens: the
                machine's net.unix.max_dgram_qlen and 512): the private
                master, rsyslogd and syslog-ng are started anew for each,
                since a socket keeps the value it was created with;
      latency   raw-receiver and dgram-sink's latency mode (maxproc 1 and
                4) receive datagrams stamped with their *scheduled* send
                time, paced at LATENCY_FRACTIONS of the capacity the size
                curve measured for the same receiver (100 B, one sender):
                a sender that falls behind does not hide the wait, as
                wrk2 corrects for coordinated omission;
      send wait WAIT_SENDERS paced senders (a mail system's processes
                logging at once) offer WAIT_FRACTIONS of postlogd's
                capacity for that many senders to every logger and the
                raw receiver; what each send() blocked is the cost a
                logging process pays (dgram-flood's send_wait_us);

    each in both placements (spread, cpu0). Repetitions alternate the
    receivers (their order rotated each time) and the report takes medians.

    plan_*() and the small helpers are pure and tested from tables
    (bench/harness/curves_plan_test.py); Curves runs the plan with Bench's
    instances and Measure's floods, and returns one JSON object that
    bench/harness/render_curves.py draws.
"""

import datetime
import statistics
import time

from .contenders import LATENCY
from .report import machine_facts, read_first
from .system import say

CURVE_CONTENDERS = ["raw-recvmmsg", "sink-1", "sink-4", "dgram-logd", "postlogd", "rsyslog", "syslog-ng"]
WAIT_CONTENDERS = ["raw-recvmmsg", "sink-1", "dgram-logd", "postlogd", "rsyslog", "syslog-ng"]
SIZES = [100, 1024, 4096, 16384, 65536]
SENDERS = [1, 2, 4, 8, 16, 32, 64]
LATENCY_FRACTIONS = [0.1, 0.25, 0.5, 0.75, 0.9, 1.0, 1.2]
WAIT_FRACTIONS = [0.25, 0.5, 0.75, 0.9, 1.0]
WAIT_SENDERS = 50
# The contender whose capacity sets the paced loads of the send-wait curve.
WAIT_REFERENCE = "postlogd"

QUICK = {"sizes": [100, 4096, 65536], "senders": [1, 8, 64], "latency_fractions": [0.25, 0.9],
         "wait_fractions": [0.5, 0.9], "count": 5000, "reps": 1, "seconds": 0.25, "wait_seconds": 0.25}
FULL = {"sizes": SIZES, "senders": SENDERS, "latency_fractions": LATENCY_FRACTIONS,
        "wait_fractions": WAIT_FRACTIONS, "count": 50000, "reps": 3, "seconds": 0.5,
        "wait_seconds": 1.0}


def sender_name(senders):
    """sender_name - Measure's sender word for that many send(2) processes: "send", "send8"."""
    return "send" if senders == 1 else f"send{senders}"


def flood_count(base, size):
    """flood_count - datagrams of one unpaced flood: base up to 4 KiB, then as many bytes as
    4 KiB datagrams would carry, never under a sixteenth of base (the largest ones are slow)."""
    if size <= 4096:
        return base
    return max(base * 4096 // size, base // 16, 1)


def paced_count(rate, seconds, least=1000, most=300000):
    """paced_count - datagrams of a paced run: `seconds` of the rate, within [least, most]."""
    return int(min(most, max(least, round(rate * seconds))))


def rate_points(contenders, sizes, senders, base):
    """rate_points - the unpaced floods of the size and senders curves, each once:
    (contender, size, senders, count); the 100-byte one-sender flood serves both curves."""
    points, seen = [], set()
    cells = [(size, 1) for size in sizes] + [(100, n) for n in senders]
    for size, n in cells:
        for name in contenders:
            if (name, size, n) not in seen:
                seen.add((name, size, n))
                points.append((name, size, n, flood_count(base, size)))
    return points


def paced_loads(capacity, fractions, seconds):
    """paced_loads - (fraction, rate, count) for each fraction of a measured capacity;
    none when there is no capacity to take them from."""
    if not capacity:
        return []
    return [(f, round(capacity * f), paced_count(capacity * f, seconds)) for f in fractions]


def median_of(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def rotated(names, rep):
    shift = (rep - 1) % len(names) if names else 0
    return names[shift:] + names[:shift]


class Curves:
    """Runs the plan at each queue length: bench_at(qlen) is a context manager that sets the
    queue length and yields a set-up Bench (its instances started after the value was set)."""

    def __init__(self, args, bench_at):
        self.args = args
        self.bench_at = bench_at
        self.plan = dict(QUICK if args.quick else FULL)
        if args.reps_given:
            self.plan["reps"] = args.reps
        if args.count_given:
            self.plan["count"] = args.count
        self.runs = []
        self.failures = []

    def run(self):
        a, plan = self.args, self.plan
        began = time.monotonic()
        facts = machine_facts()
        for qlen in a.qlens:
            with self.bench_at(qlen) as bench:
                self.contenders = [c for c in a.contenders if c in bench.contenders]
                for placement in a.placements:
                    self.at(bench, qlen, placement)
        facts["loadavg_end"] = read_first("/proc/loadavg")
        return {
            "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": a.command,
            "mode": "curves",
            "settings": dict(plan, qlens=a.qlens, placements=a.placements, contenders=a.contenders,
                             wait_senders=WAIT_SENDERS, wait_reference=WAIT_REFERENCE, quick=a.quick,
                             latency_receivers=list(LATENCY)),
            "facts": facts,
            "duration_s": round(time.monotonic() - began, 1),
            "runs": self.runs,
            "curves": self.summarize(),
            "failures": self.failures,
        }

    # -- one queue length, one placement

    def at(self, bench, qlen, placement):
        plan = self.plan
        bench.place(placement)
        points = rate_points(self.contenders, plan["sizes"], plan["senders"], plan["count"])
        if WAIT_REFERENCE in self.contenders:
            points.append((WAIT_REFERENCE, 100, WAIT_SENDERS, plan["count"]))
        say(f"curves: qlen {qlen}, {placement}: {len(points)} floods x {plan['reps']} repetitions")
        for rep in range(1, plan["reps"] + 1):
            order = rotated(self.contenders, rep)
            for name in order:
                for point in (p for p in points if p[0] == name):
                    self.flood(bench, qlen, placement, rep, *point)
        # Paced runs: loads taken from this placement's and queue length's medians.
        measured = [r for r in self.runs if r.get("kind") != "latency" and "rate" in r and not r.get("rate_paced")
                    and r["qlen"] == qlen and r["placement"] == placement]
        capacity = {}
        for key in {(r["contender"], r["size"], r["senders"]) for r in measured}:
            capacity[key] = median_of(r["rate"] for r in measured if (r["contender"], r["size"], r["senders"]) == key)
        for rep in range(1, plan["reps"] + 1):
            for receiver in rotated(list(LATENCY), rep):
                base = capacity.get((LATENCY[receiver][1], 100, 1))
                for fraction, rate, count in paced_loads(base, plan["latency_fractions"], plan["seconds"]):
                    self.latency(bench, qlen, placement, rep, receiver, fraction, rate, count, base)
            reference = capacity.get((WAIT_REFERENCE, 100, WAIT_SENDERS))
            waiting = [c for c in WAIT_CONTENDERS if c in self.contenders]
            for name in rotated(waiting, rep):
                for fraction, rate, count in paced_loads(reference, plan["wait_fractions"], plan["wait_seconds"]):
                    self.flood(bench, qlen, placement, rep, name, 100, WAIT_SENDERS, max(count, 2 * WAIT_SENDERS),
                               rate=rate, fraction=fraction)

    def flood(self, bench, qlen, placement, rep, name, size, senders, count, rate=None, fraction=None):
        where = {"qlen": qlen, "placement": placement, "rep": rep, "contender": name, "size": size,
                 "senders": senders, "count": count, "rate_paced": rate, "fraction": fraction}
        try:
            run = bench.measure.timed_run(bench.contenders[name], count, size, sender_name(senders), rep,
                                          rate=rate or 0)
            run.update(where)
            if run.get("complete") is False:
                self.failures.append(f"curves {name} qlen {qlen} {placement} {size}B x{senders} rep {rep}: "
                                     f"received {run.get('received')} of {count}")
        except Exception as e:
            run = dict(where, error=str(e)[:2000])
            self.failures.append(f"curves {name} qlen {qlen} {placement} {size}B x{senders} rep {rep}: {e}")
            bench.recover(name)
        self.runs.append(run)
        wait = run.get("send_wait_us") or {}
        say(f"qlen {qlen:<3} {placement:<6} rep {rep} {name:<12} {size:>5}B x{senders:<2} " +
            (f"paced {rate}/s " if rate else "") +
            (f"{run['rate']:>9.0f}/s wait p99 {wait.get('p99')} us" if "rate" in run else
             "FAILED: " + run["error"][:200]))

    def latency(self, bench, qlen, placement, rep, receiver, fraction, rate, count, capacity):
        where = {"kind": "latency", "qlen": qlen, "placement": placement, "rep": rep, "receiver": receiver,
                 "fraction": fraction, "offered": rate, "capacity": capacity, "count": count}
        try:
            entry = bench.measure.latency(receiver, count, rate, 100)
            entry.update(where)
        except Exception as e:
            entry = dict(where, error=str(e)[:2000])
            self.failures.append(f"curves latency {receiver} qlen {qlen} {placement} {rate}/s rep {rep}: {e}")
        self.runs.append(entry)
        say(f"qlen {qlen:<3} {placement:<6} rep {rep} latency {receiver:<10} {rate:>8}/s: p50 "
            f"{entry.get('p50_us')} p99 {entry.get('p99_us')} p99.9 {entry.get('p999_us')} us")

    # -- medians

    def summarize(self):
        """The curves as medians over repetitions, keyed "qlen/placement"."""
        out = {"size": {}, "senders": {}, "latency": {}, "send_wait": {}}
        unpaced = [r for r in self.runs if r.get("kind") != "latency" and r.get("rate_paced") is None and "rate" in r]
        paced = [r for r in self.runs if r.get("kind") != "latency" and r.get("rate_paced") and "rate" in r]
        timed = [r for r in self.runs if r.get("kind") == "latency" and "error" not in r]
        for qlen in self.args.qlens:
            for placement in self.args.placements:
                key = f"{qlen}/{placement}"
                here = [r for r in unpaced if r["qlen"] == qlen and r["placement"] == placement]
                for curve, cells in (("size", [(s, 1) for s in self.plan["sizes"]]),
                                     ("senders", [(100, n) for n in self.plan["senders"]])):
                    table = {}
                    for name in self.args.contenders:
                        line = []
                        for size, n in cells:
                            ok = [r for r in here if r["contender"] == name and r["size"] == size
                                  and r["senders"] == n]
                            if ok:
                                line.append({"size": size, "senders": n, "runs": len(ok),
                                             "rate": median_of(r["rate"] for r in ok),
                                             "send_wait_p99_us": median_of((r.get("send_wait_us") or {}).get("p99")
                                                                           for r in ok)})
                        if line:
                            table[name] = line
                    out[curve][key] = table
                lat = {}
                for receiver in LATENCY:
                    line = []
                    for fraction in self.plan["latency_fractions"]:
                        ok = [r for r in timed if r["receiver"] == receiver and r["qlen"] == qlen
                              and r["placement"] == placement and r["fraction"] == fraction]
                        if ok:
                            line.append({"fraction": fraction, "offered": median_of(r["offered"] for r in ok),
                                         "runs": len(ok),
                                         **{k: median_of(r.get(k) for r in ok)
                                            for k in ("p50_us", "p99_us", "p999_us", "max_us", "achieved_rate")}})
                    if line:
                        lat[receiver] = line
                out["latency"][key] = lat
                wait = {}
                for name in self.args.contenders:
                    line = []
                    for fraction in self.plan["wait_fractions"]:
                        ok = [r for r in paced if r["contender"] == name and r["qlen"] == qlen
                              and r["placement"] == placement and r["fraction"] == fraction]
                        if ok:
                            w = [r.get("send_wait_us") or {} for r in ok]
                            line.append({"fraction": fraction, "offered": median_of(r["rate_paced"] for r in ok),
                                         "runs": len(ok), "rate": median_of(r["rate"] for r in ok),
                                         **{f"send_wait_{k}_us": median_of(x.get(k) for x in w)
                                            for k in ("p50", "p99", "p99_9", "max")},
                                         "send_wait_share": median_of(x.get("share") for x in w),
                                         "send_wait_waited": median_of(x.get("waited") for x in w)})
                    if line:
                        wait[name] = line
                out["send_wait"][key] = wait
        return out
