# SPDX-License-Identifier: MIT
"""runs - what flood_compare runs, in which order: the whole comparison and --api-cost.

DESCRIPTION
    Bench owns everything started for one invocation: the temporary folder
    under /tmp, the private Postfix instance (the master.cf of
    contenders.master_cf), rsyslogd and syslog-ng, and the contenders;
    start_instances() and stop_instances() start and stop the daemons (by
    their pids), teardown() stops them and removes the folder, also after a
    failure.

    run() is the whole comparison, once per queue length of --qlens
    (net.unix.max_dgram_qlen, set through the QueueLength the caller holds,
    which puts the machine's value back): the value is set, then the daemons
    are started, since a socket takes the value in force when it is made;
    then the timed floods, contenders alternated repetition by repetition
    (their order rotated) for every size and sender, within that queue
    length's share of --time-budget; then system calls per datagram, the
    loggers' verification and latency; then the daemons are stopped. Every
    entry says its "qlen". run_api_cost() is the --api-cost comparison, at
    the machine's queue length only: sink-1, sink-rx and sink-2 in both
    PLACEMENTS, alternated within each repetition, with their own checks
    (check_api_run). A failed run is recorded and the others go on
    (recover()).
"""

import datetime
import os
import shutil
import tempfile
import time

from .contenders import CONTENDERS, LATENCY, MasterContender, RawContender, make_contenders, master_cf, user_rows, \
    variant_rows
from .instance import PostfixInstance, Rsyslog, SyslogNg
from .measure import Measure
from .report import machine_facts, read_first, summarize, summarize_api_cost
from .system import MASTER, POSTLOGD, say, stop_process

# Where the processes of a flood run: None is the scheduler's choice.
PLACEMENTS = {"spread": None, "cpu0": {0}}


class Bench:
    def __init__(self, args, qlen):
        """qlen: an entered floodlib.qlen.QueueLength (it restores the machine's value)."""
        self.args = args
        self.qlen = qlen
        self.build = os.path.abspath(args.build_dir)
        self.programs = {
            "flood": f"{self.build}/tools/dgram-flood",
            "sink": f"{self.build}/tools/dgram-sink",
            "logd": f"{self.build}/tools/dgram-logd",
            "raw": f"{self.build}/bench/harness/raw-receiver",
        }
        missing = [p for p in list(self.programs.values()) + [MASTER, POSTLOGD] if not os.access(p, os.X_OK)]
        if missing:
            raise SystemExit(f"flood-compare: missing programs: {' '.join(missing)} (bench/flood-compare builds them)")
        self.root = tempfile.mkdtemp(prefix="dgram-bench.", dir="/tmp")
        os.chmod(self.root, 0o755)
        self.master = None
        self.rsyslog = None
        self.syslog_ng = None
        self.failures = []

    # -- set-up and tear-down

    def setup(self):
        say(f"private instances in {self.root}")
        p = self.root + "/postfix"
        extra = variant_rows(self.args.sink_variant) + user_rows(self.args.service)
        self.master = PostfixInstance(p, [self.programs["sink"], self.programs["logd"], POSTLOGD] +
                                      [program for _, _, program, _ in self.args.service],
                                      master_cf(f"{p}/log", extra))
        self.rsyslog = Rsyslog(self.root + "/rsyslog")
        self.syslog_ng = SyslogNg(self.root + "/syslog-ng")
        self.contenders = make_contenders(CONTENDERS + extra, self.master, self.rsyslog, self.programs["raw"],
                                          self.root, self.syslog_ng)
        self.order = list(self.args.contenders) + [row.name for row in extra]
        self.measure = Measure(self.programs, self.root, self.master, self.rsyslog, self.contenders)

    def start_instances(self):
        """start_instances - the master, and rsyslogd and syslog-ng when they are compared
        (--api-cost does without them); their sockets get the queue length in force now."""
        say(f"starting the private instances at net.unix.max_dgram_qlen = {self.qlen.current}")
        self.master.start()
        for contender in self.contenders.values():
            if isinstance(contender, MasterContender):
                contender.inode = None   # the master's sockets are new
        if "rsyslog" in self.args.contenders:
            self.rsyslog.start()
        if "syslog-ng" in self.args.contenders:
            self.syslog_ng.start()

    def stop_instances(self):
        for contender in getattr(self, "contenders", {}).values():
            if isinstance(contender, RawContender) and contender.proc is not None:
                stop_process(contender.proc.pid, "raw-receiver", 5)
                contender.proc.wait()
                contender.proc = None
        if self.master:
            self.master.stop()
        if self.rsyslog:
            self.rsyslog.stop()
        if self.syslog_ng:
            self.syslog_ng.stop()

    def teardown(self):
        self.stop_instances()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- the whole comparison

    def run(self):
        a = self.args
        began = time.monotonic()
        self.measure.tool = self.measure.syscall_tool()
        facts = machine_facts()
        facts["max_dgram_qlen"] = self.qlen.machine
        facts["syscall_counter"] = self.measure.tool
        qlens = a.qlens   # numbers, each once (flood_compare.parse_qlens)
        runs, syscalls, verification, latency, summary, reps_done = [], [], [], [], {}, {}
        cells = [(size, sender) for size in a.sizes for sender in a.senders]
        say(f"{len(qlens)} queue length(s) ({', '.join(map(str, qlens))}; the machine's: {self.qlen.machine}) x "
            f"{a.reps} repetitions x {len(a.placements)} placements x {len(cells)} floods x "
            f"{len(self.order)} contenders, {a.count} datagrams each")
        for qlen in qlens:
            self.qlen.set(qlen)
            say(f"net.unix.max_dgram_qlen = {qlen}" + (" (the machine's)" if qlen == self.qlen.machine else ""))
            self.start_instances()
            try:
                done, these = self.timed_floods(qlen, cells, a.time_budget * 60 / len(qlens))
                reps_done[qlen] = done
                runs += these
                syscalls += self.syscall_counts(a.sizes[0])
                self.place("spread")
                verification += self.verify_loggers()
                table = summarize(these, self.order, [(qlen, p, size, sender) for p in a.placements
                                                      for size, sender in cells])
                for name, entries in table.items():
                    summary.setdefault(name, {}).update(entries)
                latency += self.latency_runs(summary, qlen)
            finally:
                self.stop_instances()
        self.qlen.restore()
        facts["syslog_ng"] = self.syslog_ng.version

        facts["loadavg_end"] = read_first("/proc/loadavg")
        complaints = self.master.complaints()
        return {
            "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": a.command,
            "settings": {"count": a.count, "reps": min(reps_done.values()), "reps_requested": a.reps,
                         "reps_by_qlen": {str(q): n for q, n in reps_done.items()},
                         "time_budget_minutes": a.time_budget, "sizes": a.sizes, "senders": a.senders,
                         "placements": a.placements, "qlens": qlens, "machine_qlen": self.qlen.machine,
                         "contenders": self.order, "syscall_count": a.syscall_count,
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

    def timed_floods(self, qlen, cells, budget_s):
        """timed_floods - the repetitions at one queue length, within budget_s seconds (0: no
        limit): how many ran, and their runs."""
        a = self.args
        began = time.monotonic()
        runs, done = [], 0
        for rep in range(1, a.reps + 1):
            elapsed = time.monotonic() - began
            if rep > 1 and budget_s and elapsed + elapsed / (rep - 1) > budget_s:
                say(f"qlen {qlen}: stopping after {rep - 1} repetition(s): another would pass this queue "
                    f"length's share of the time budget ({budget_s / 60:g} of {a.time_budget:g} minutes)")
                break
            shift = (rep - 1) % len(self.order)
            order = self.order[shift:] + self.order[:shift]
            # The placements alternate too: the first of one repetition is the last of the next.
            for placement in (a.placements if rep % 2 else list(reversed(a.placements))):
                self.place(placement)
                for size, sender in cells:
                    for name in order:
                        runs.append(self.one_timed_run(name, placement, size, sender, rep))
            done = rep
        return done, runs

    def verify_loggers(self):
        """verify_loggers - each logger compared writes --syscall-count records of every size to a
        real file; the lines are counted."""
        a = self.args
        verification = []
        for name in [row.name for row in CONTENDERS if row.verify or row.kind in ("rsyslog", "syslog-ng")]:
            if name not in self.order:
                continue
            for size in a.sizes:
                try:
                    entry = self.measure.verify_logger(name, size, a.syscall_count)
                except Exception as e:
                    entry = {"contender": name, "size": size, "error": str(e)[:2000], "complete": False}
                entry["qlen"] = self.qlen.current
                verification.append(entry)
                if not entry.get("complete"):
                    self.failures.append(f"verification {name} {size} qlen {self.qlen.current}: {entry}")
                say(f"verified {name} {size}B qlen {self.qlen.current}: {entry.get('lines')} lines, "
                    f"{entry.get('whole')} whole, of {entry.get('sent')}")
        return verification

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
                    entry["qlen"] = self.qlen.current
                    syscalls.append(entry)
                    say(f"  q{self.qlen.current} {placement:<6} {name:<13} {sender:<4} "
                        f"child {entry.get('child_per_datagram')} "
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
            self.failures.append(f"{name} qlen {self.qlen.current} {placement} {size}/{sender} rep {rep}: {e}")
            self.recover(name)
        run["placement"] = placement
        run["qlen"] = self.qlen.current
        if run.get("complete") is False:
            self.failures.append(f"{name} qlen {self.qlen.current} {placement} {size}/{sender} rep {rep}: received "
                                 f"{run.get('received')} of {count}")
        say(f"rep {rep} q{self.qlen.current} {placement:<6} {size:>4}B {sender:<4} {name:<13} " +
            (f"{run['rate']:>10.0f}/s" if "rate" in run else "FAILED: " + run["error"][:200]) +
            ("" if "ctx_per_datagram" not in run else f"  cs/dg {run['ctx_per_datagram']:.2f}") +
            ("" if run.get("complete") is not False else f"  INCOMPLETE received={run.get('received')}"))
        return run

    def latency_runs(self, summary, qlen):
        """latency_runs - LATENCY's receivers in every placement, at --latency-rate and at half of
        the capacity the timed floods measured for the same kind of receiver (100-byte send(2)
        floods in that placement, at that queue length); skipped, with a note, when that flood
        was not run. Each run is
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
                    capacity = summary.get(capacity_of, {}).get(f"{qlen}/{placement}/100/send", {}).get("median")
                    loads = [("light", a.latency_rate, a.latency_count)]
                    if capacity:
                        rate = round(capacity / 2)
                        loads.append(("half", rate, min(300000, max(a.latency_count, rate * 3))))
                    elif rep == 1:
                        latency.append({"receiver": receiver, "placement": placement, "load": "half", "qlen": qlen,
                                        "error": f"no 100-byte send(2) flood of {capacity_of} in {placement} "
                                                 "to take the capacity from"})
                    for load, rate, count in loads:
                        try:
                            entry = self.measure.latency(receiver, count, rate, 100)
                        except Exception as e:
                            entry = {"receiver": receiver, "error": str(e)[:2000]}
                            self.failures.append(f"latency {receiver} qlen {qlen} {placement} {load} rep {rep}: {e}")
                        entry.update({"placement": placement, "load": load, "rate": rate, "capacity": capacity,
                                      "rep": rep, "qlen": qlen})
                        latency.append(entry)
                        say(f"latency rep {rep} q{qlen} {placement:<6} {receiver:<10} {load:<5} {rate:>8.0f}/s: p50 "
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
        # rsyslogd and syslog-ng run all along: each of their threads moves.
        for daemon in (self.rsyslog, self.syslog_ng):
            if daemon and daemon.pid:
                for tid in os.listdir(f"/proc/{daemon.pid}/task"):
                    os.sched_setaffinity(int(tid), every)

    def run_api_cost(self):
        a = self.args
        began = time.monotonic()
        self.measure.tool = self.measure.syscall_tool()
        facts = machine_facts()
        facts["max_dgram_qlen"] = self.qlen.machine
        facts["syscall_counter"] = self.measure.tool
        cells = [(100, sender) for sender in a.senders]
        # At the machine's queue length only (it is never set here).
        self.start_instances()
        say(f"api cost at net.unix.max_dgram_qlen = {self.qlen.machine} (the machine's): {a.reps} repetitions x "
            f"{len(cells)} floods x {len(a.placements)} placements x "
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
                        run["qlen"] = self.qlen.current
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
                         "placements": a.placements, "qlens": [self.qlen.machine], "machine_qlen": self.qlen.machine,
                         "contenders": self.order, "syscall_count": a.syscall_count},
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
