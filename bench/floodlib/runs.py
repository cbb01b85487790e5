# SPDX-License-Identifier: MIT
"""runs - what flood_compare runs, in which order: the whole comparison and --api-cost.

DESCRIPTION
    Bench owns everything started for one invocation: the temporary folder
    under /tmp, the private Postfix instance (the master.cf of
    contenders.master_cf) and rsyslogd, and the contenders; teardown() stops
    each by its pid and removes the folder, also after a failure.

    run() is the whole comparison: the timed floods, contenders alternated
    repetition by repetition (their order rotated) for every size and
    sender, within --time-budget; then system calls per datagram, the
    loggers' verification and latency. run_api_cost() is the --api-cost
    comparison: sink-1, sink-rx and sink-2 in both PLACEMENTS, alternated
    within each repetition, with their own checks (check_api_run). A failed
    run is recorded and the others go on (recover()).
"""

import datetime
import os
import shutil
import tempfile
import time

from .contenders import CONTENDERS, LATENCY, MasterContender, RawContender, make_contenders, master_cf, user_rows, \
    variant_rows
from .instance import PostfixInstance, Rsyslog
from .measure import Measure
from .report import machine_facts, read_first, summarize, summarize_api_cost
from .system import MASTER, POSTLOGD, say, stop_process

# Where the processes of a flood run: None is the scheduler's choice.
PLACEMENTS = {"spread": None, "cpu0": {0}}


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build_dir)
        self.programs = {
            "flood": f"{self.build}/tools/dgram-flood",
            "sink": f"{self.build}/tools/dgram-sink",
            "logd": f"{self.build}/tools/dgram-logd",
            "raw": f"{self.build}/bench/raw-receiver",
        }
        missing = [p for p in list(self.programs.values()) + [MASTER, POSTLOGD] if not os.access(p, os.X_OK)]
        if missing:
            raise SystemExit(f"flood-compare: missing programs: {' '.join(missing)} (bench/flood-compare builds them)")
        self.root = tempfile.mkdtemp(prefix="dgram-bench.", dir="/tmp")
        os.chmod(self.root, 0o755)
        self.master = None
        self.rsyslog = None
        self.failures = []

    # -- set-up and tear-down

    def setup(self):
        say(f"private instances in {self.root}")
        p = self.root + "/postfix"
        extra = variant_rows(self.args.sink_variant) + user_rows(self.args.service)
        self.master = PostfixInstance(p, [self.programs["sink"], self.programs["logd"], POSTLOGD] +
                                      [program for _, _, program, _ in self.args.service],
                                      master_cf(f"{p}/log", extra))
        self.master.start()
        # rsyslogd only when it is compared (--api-cost does without it).
        self.rsyslog = Rsyslog(self.root + "/rsyslog")
        if "rsyslog" in self.args.contenders:
            self.rsyslog.start()
        self.contenders = make_contenders(CONTENDERS + extra, self.master, self.rsyslog, self.programs["raw"],
                                          self.root)
        self.order = list(self.args.contenders) + [row.name for row in extra]
        self.measure = Measure(self.programs, self.root, self.master, self.rsyslog, self.contenders)

    def teardown(self):
        for contender in getattr(self, "contenders", {}).values():
            if isinstance(contender, RawContender) and contender.proc is not None:
                stop_process(contender.proc.pid, "raw-receiver", 5)
        if self.master:
            self.master.stop()
        if self.rsyslog:
            self.rsyslog.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- the whole comparison

    def run(self):
        a = self.args
        began = time.monotonic()
        self.measure.tool = self.measure.syscall_tool()
        facts = machine_facts()
        facts["syscall_counter"] = self.measure.tool
        runs = []
        cells = [(size, sender) for size in a.sizes for sender in a.senders]
        say(f"{a.reps} repetitions x {len(a.placements)} placements x {len(cells)} floods x "
            f"{len(self.order)} contenders, {a.count} datagrams each")
        reps_done = 0
        for rep in range(1, a.reps + 1):
            elapsed = time.monotonic() - began
            if rep > 1 and a.time_budget and elapsed + elapsed / (rep - 1) > a.time_budget * 60:
                say(f"stopping after {rep - 1} repetition(s): another would pass the time budget "
                    f"({a.time_budget:g} minutes)")
                break
            shift = (rep - 1) % len(self.order)
            order = self.order[shift:] + self.order[:shift]
            # The placements alternate too: the first of one repetition is the last of the next.
            for placement in (a.placements if rep % 2 else list(reversed(a.placements))):
                self.place(placement)
                for size, sender in cells:
                    for name in order:
                        runs.append(self.one_timed_run(name, placement, size, sender, rep))
            reps_done = rep

        syscalls = self.syscall_counts(a.sizes[0])
        self.place("spread")
        verification = []
        for name in [row.name for row in CONTENDERS if row.verify or row.kind == "rsyslog"]:
            if name not in self.order:
                continue
            for size in a.sizes:
                try:
                    entry = self.measure.verify_logger(name, size, a.syscall_count)
                except Exception as e:
                    entry = {"contender": name, "size": size, "error": str(e)[:2000], "complete": False}
                verification.append(entry)
                if not entry.get("complete"):
                    self.failures.append(f"verification {name} {size}: {entry}")
                say(f"verified {name} {size}B: {entry.get('lines')} lines, {entry.get('whole')} whole, "
                    f"of {entry.get('sent')}")

        summary = summarize(runs, self.order, [(p, size, sender) for p in a.placements for size, sender in cells])
        latency = self.latency_runs(summary)

        facts["loadavg_end"] = read_first("/proc/loadavg")
        complaints = self.master.complaints()
        return {
            "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": a.command,
            "settings": {"count": a.count, "reps": reps_done, "reps_requested": a.reps,
                         "time_budget_minutes": a.time_budget, "sizes": a.sizes, "senders": a.senders,
                         "placements": a.placements, "contenders": self.order, "syscall_count": a.syscall_count,
                         "latency_count": a.latency_count, "latency_rate": a.latency_rate, "quick": a.quick},
            "labels": {name: self.contenders[name].label for name in self.order},
            "facts": facts,
            "duration_s": round(time.monotonic() - began, 1),
            "runs": runs,
            "summary": summary,
            "syscalls": syscalls,
            "verification": verification,
            "latency": latency,
            "master_complaints": complaints[:50],
            "failures": self.failures,
        }

    def syscall_counts(self, size):
        """syscall_counts - system calls per datagram of every contender and sender, in each
        placement; a failed count is recorded and the others go on."""
        a = self.args
        syscalls = []
        for placement in a.placements:
            self.place(placement)
            say(f"system calls per datagram ({self.measure.tool}), {placement}, {a.syscall_count} datagrams "
                f"of {size} bytes")
            for name in self.order:
                for sender in a.senders:
                    try:
                        entry = self.measure.count_syscalls(self.contenders[name], a.syscall_count, size, sender)
                    except Exception as e:
                        entry = {"contender": name, "sender": sender, "error": str(e)[:2000]}
                        self.failures.append(f"syscalls {name} {placement} {sender}: {e}")
                        self.recover(name)
                    entry["placement"] = placement
                    syscalls.append(entry)
                    say(f"  {placement:<6} {name:<13} {sender:<4} child {entry.get('child_per_datagram')} "
                        f"master {entry.get('master_per_datagram')}")
        return syscalls

    def one_timed_run(self, name, placement, size, sender, rep):
        """one_timed_run - one entry of "runs"; a failed run is recorded and the others go on."""
        count = self.args.count
        try:
            run = self.measure.timed_run(self.contenders[name], count, size, sender, rep)
        except Exception as e:
            run = {"rep": rep, "contender": name, "size": size, "sender": sender, "count": count,
                   "error": str(e)[:2000]}
            self.failures.append(f"{name} {placement} {size}/{sender} rep {rep}: {e}")
            self.recover(name)
        run["placement"] = placement
        if run.get("complete") is False:
            self.failures.append(f"{name} {placement} {size}/{sender} rep {rep}: received {run.get('received')} "
                                 f"of {count}")
        say(f"rep {rep} {placement:<6} {size:>4}B {sender:<4} {name:<13} " +
            (f"{run['rate']:>10.0f}/s" if "rate" in run else "FAILED: " + run["error"][:200]) +
            ("" if "ctx_per_datagram" not in run else f"  cs/dg {run['ctx_per_datagram']:.2f}") +
            ("" if run.get("complete") is not False else f"  INCOMPLETE received={run.get('received')}"))
        return run

    def latency_runs(self, summary):
        """latency_runs - LATENCY's receivers in every placement, at --latency-rate and at half of
        the capacity the timed floods measured for the same kind of receiver (100-byte send(2)
        floods in that placement); skipped, with a note, when that flood was not run. Each run is
        made --reps times (entry "rep"), the receivers' order rotated from one repetition to the
        next, so that the report can give medians: a p99 of one 5,000-datagram run is its 50th
        worst delay, and on a shared machine that swings."""
        a = self.args
        latency = []
        receivers = list(LATENCY.items())
        for rep in range(1, a.reps + 1):
            for placement in a.placements:
                self.place(placement)
                shift = (rep - 1) % len(receivers)
                for receiver, (_, capacity_of) in receivers[shift:] + receivers[:shift]:
                    capacity = summary.get(capacity_of, {}).get(f"{placement}/100/send", {}).get("median")
                    loads = [("light", a.latency_rate, a.latency_count)]
                    if capacity:
                        rate = round(capacity / 2)
                        loads.append(("half", rate, min(300000, max(a.latency_count, rate * 3))))
                    elif rep == 1:
                        latency.append({"receiver": receiver, "placement": placement, "load": "half",
                                        "error": f"no 100-byte send(2) flood of {capacity_of} in {placement} "
                                                 "to take the capacity from"})
                    for load, rate, count in loads:
                        try:
                            entry = self.measure.latency(receiver, count, rate, 100)
                        except Exception as e:
                            entry = {"receiver": receiver, "error": str(e)[:2000]}
                            self.failures.append(f"latency {receiver} {placement} {load} rep {rep}: {e}")
                        entry.update({"placement": placement, "load": load, "rate": rate, "capacity": capacity,
                                      "rep": rep})
                        latency.append(entry)
                        say(f"latency rep {rep} {placement:<6} {receiver:<10} {load:<5} {rate:>8.0f}/s: p50 "
                            f"{entry.get('p50_us')} p99 {entry.get('p99_us')} p99.9 {entry.get('p999_us')} us, "
                            f"late sends {entry.get('late_sends')}")
        self.place("spread")
        return latency

    # -- --api-cost: the new API's receive options and maxproc 2, two placements

    def place(self, placement):
        """place - the master (so the children it forks from now on) and the
        sender on the placement's CPUs; the children running now are retired."""
        cpus = PLACEMENTS[placement]
        self.measure.cpus = cpus
        self.master.retire()
        every = cpus if cpus is not None else set(range(os.cpu_count()))
        for contender in self.contenders.values():
            if isinstance(contender, RawContender):
                contender.cpus = cpus
        os.sched_setaffinity(self.master.pid, every)
        # rsyslogd runs all along: each of its threads moves.
        if self.rsyslog and self.rsyslog.pid:
            for tid in os.listdir(f"/proc/{self.rsyslog.pid}/task"):
                os.sched_setaffinity(int(tid), every)

    def run_api_cost(self):
        a = self.args
        began = time.monotonic()
        self.measure.tool = self.measure.syscall_tool()
        facts = machine_facts()
        facts["syscall_counter"] = self.measure.tool
        cells = [(100, sender) for sender in a.senders]
        say(f"api cost: {a.reps} repetitions x {len(cells)} floods x {len(a.placements)} placements x "
            f"{len(self.order)} contenders, {a.count} datagrams each")
        runs = []
        for rep in range(1, a.reps + 1):
            shift = (rep - 1) % len(self.order)
            order = self.order[shift:] + self.order[:shift]
            placements = a.placements if rep % 2 else list(reversed(a.placements))
            for placement in placements:
                self.place(placement)
                for size, sender in cells:
                    for name in order:
                        try:
                            run = self.measure.timed_run(self.contenders[name], a.count, size, sender, rep)
                        except Exception as e:
                            run = {"rep": rep, "contender": name, "size": size, "sender": sender,
                                   "count": a.count, "error": str(e)[:2000]}
                            self.failures.append(f"{name} {placement} {sender} rep {rep}: {e}")
                            self.recover(name)
                        run["placement"] = placement
                        runs.append(run)
                        self.check_api_run(run)
                        say(f"rep {rep} {placement:<6} {sender:<4} {name:<8} " +
                            (f"{run['rate']:>10.0f}/s" if "rate" in run else "FAILED: " + run["error"][:200]) +
                            (f"  credentials={run['with_credentials']}" if "with_credentials" in run else ""))
        syscalls = self.syscall_counts(100)
        self.place("spread")
        facts["loadavg_end"] = read_first("/proc/loadavg")
        return {
            "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": a.command,
            "mode": "api-cost",
            "settings": {"count": a.count, "reps": a.reps, "sizes": [100], "senders": a.senders,
                         "placements": a.placements, "contenders": self.order, "syscall_count": a.syscall_count},
            "labels": {name: self.contenders[name].label for name in self.order},
            "facts": facts,
            "duration_s": round(time.monotonic() - began, 1),
            "runs": runs,
            "summary": summarize_api_cost(runs, self.order, a.senders, a.placements),
            "syscalls": syscalls,
            "master_complaints": self.master.complaints()[:50],
            "failures": self.failures,
        }

    def check_api_run(self, run):
        """check_api_run - every datagram served; with the receive options on,
        every flooded datagram carried credentials, and none did without them."""
        if run.get("complete") is False:
            self.failures.append(f"{run['contender']} {run['placement']} {run['sender']} rep {run['rep']}: "
                                 f"received {run.get('received')} of {run['count']}")
        if "rate" not in run:
            return
        # The warm-up datagram carries credentials only when a child was
        # already up to set SO_PASSCRED before it was queued.
        low, high = (run["count"], run["count"] + 1) if run["contender"] == "sink-rx" else (0, 0)
        seen = run.get("with_credentials")
        if seen is None or not low <= seen <= high:
            self.failures.append(f"{run['contender']} {run['placement']} {run['sender']} rep {run['rep']}: "
                                 f"credentials={seen}, expected {low}" + (f" or {high}" if high > low else ""))

    def recover(self, name):
        """After a failed run: end a raw receiver still waiting; let master children go."""
        contender = self.contenders.get(name)
        if isinstance(contender, RawContender) and contender.proc is not None:
            stop_process(contender.proc.pid, "raw-receiver", 5)
            contender.proc.wait()
            contender.proc = None
        if isinstance(contender, MasterContender):
            try:
                self.master.retire()
            except Exception:
                pass
