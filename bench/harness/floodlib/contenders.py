# SPDX-License-Identifier: MIT
"""contenders - the receivers compared: one table, and the three kinds of receiver.

DESCRIPTION
    CONTENDERS is every receiver flood_compare knows, one row each: its
    name (what --contenders takes), its label (what the report says), its
    kind, and what that kind needs: for "raw", bench/harness/raw-receiver's --mode;
    for "master", the master.cf service (name, maxproc, program, arguments);
    for "rsyslog" and "syslog-ng", nothing (the private rsyslogd or syslog-ng). In a service's arguments
    {log} is the instance's log folder and {summary} the option that makes
    dgram-sink write its exit summary to {log}/SERVICE.summary, which proves
    the count. A logger with a "verify" service is also checked once on a
    real file, {log}/SERVICE.verify. warm_flood: before its system calls are
    counted, a smaller flood lets it start the processes (the master's
    children, rsyslogd's queue workers) the counted flood will need, since
    perf counts only the threads that exist when it starts.

    SERVICES are the master's other services: the log service, the
    loggers' verification services, and dgram-sink in its latency mode
    (dgram_sink_latency_report_file and _samples_file) for the latency runs
    (LATENCY names them). The private master.cf is SERVICES plus the
    contenders' services plus one line per --sink-variant and per --service
    (a user's own program: user_rows()) (master_cf()).

    The three kinds: RawContender (bench/harness/raw-receiver, started per flood,
    exits after the last datagram), MasterContender (a service under the
    private master; the first datagram starts its child) and
    RsyslogContender (SyslogNgContender is the same over the private
    syslog-ng: a daemon that queues inside, its file behind a socket). Each
    has prepare() (ready for a flood of count datagrams), usage_options()
    (how dgram-flood measures it: --receiver, --find-receivers --master,
    --settle), drained() and finish() (what it knows of the count: the
    proof, not the measurement).
"""

import collections
import json
import os
import signal
import subprocess
import time

from .system import cpu_seconds, payload, queue_length, send_one, socket_inode, stop_process, wait_until

Row = collections.namedtuple("Row", "name label kind mode service verify warm_flood",
                             defaults=(None, None, None, False))
Service = collections.namedtuple("Service", "name maxproc program arguments")

SUMMARY = "-o dgram_sink_summary_file={log}/{service}.summary"
WORK = "-o dgram_sink_work_usec=50 -o dgram_sink_work_spin=yes"

CONTENDERS = [
    Row("raw-recvmmsg", "raw recvmmsg (batch 64)", "raw", mode="recvmmsg"),
    Row("raw-recv", "raw recv", "raw", mode="recv"),
    Row("sink-1", "dgram-sink, maxproc 1", "master",
        service=Service("sink1", 1, "dgram-sink", "-o max_use=0 {summary}")),
    Row("sink-1-compat", "dgram-sink, maxproc 1, dgram_postfix_compatible=yes (one datagram per turn)", "master",
        service=Service("sinkc", 1, "dgram-sink", "-o max_use=0 -o dgram_postfix_compatible=yes {summary}")),
    Row("sink-2", "dgram-sink, maxproc 2", "master",
        service=Service("sink2", 2, "dgram-sink", "-o max_use=0 {summary}"), warm_flood=True),
    Row("sink-4", "dgram-sink, maxproc 4", "master",
        service=Service("sink4", 4, "dgram-sink", "-o max_use=0 {summary}"), warm_flood=True),
    Row("sink-1-nodirect", "dgram-sink, maxproc 1, dgram_direct_receive=no (epoll, then recvmmsg)", "master",
        service=Service("sinknd", 1, "dgram-sink", "-o max_use=0 -o dgram_direct_receive=no {summary}")),
    Row("sink-2-every", "dgram-sink, maxproc 2, dgram_busy_after_usec=0 (gate and TAKEN/AVAIL every turn)",
        "master", service=Service("sink2e", 2, "dgram-sink", "-o max_use=0 -o dgram_busy_after_usec=0 {summary}"),
        warm_flood=True),
    Row("sink-4-every", "dgram-sink, maxproc 4, dgram_busy_after_usec=0 (gate and TAKEN/AVAIL every turn)",
        "master", service=Service("sink4e", 4, "dgram-sink", "-o max_use=0 -o dgram_busy_after_usec=0 {summary}"),
        warm_flood=True),
    # The same with 50 us of CPU per datagram (dgram_sink_work_usec, spun): a
    # service that does real work, where more children on more CPUs help.
    Row("work-1", "dgram-sink, maxproc 1, 50 us of CPU per datagram", "master",
        service=Service("work1", 1, "dgram-sink", "-o max_use=0 {work} {summary}")),
    Row("work-4", "dgram-sink, maxproc 4, 50 us of CPU per datagram", "master",
        service=Service("work4", 4, "dgram-sink", "-o max_use=0 {work} {summary}"), warm_flood=True),
    Row("work-4-every", "dgram-sink, maxproc 4, 50 us of CPU per datagram, dgram_busy_after_usec=0",
        "master", service=Service("work4e", 4, "dgram-sink", "-o max_use=0 -o dgram_busy_after_usec=0 {work} {summary}"),
        warm_flood=True),
    Row("dgram-logd", "dgram-logd to /dev/null", "master",
        service=Service("logd", 1, "dgram-logd", "-o maillog_file=/dev/null"), verify="logdv"),
    Row("postlogd", "Postfix postlogd to /dev/null", "master",
        service=Service("plogd", 1, "postlogd", "-o maillog_file=/dev/null"), verify="plogdv"),
    Row("rsyslog", "rsyslog imuxsock to /dev/null", "rsyslog", warm_flood=True),
    Row("syslog-ng", "syslog-ng unix-dgram() to /dev/null", "syslog-ng", warm_flood=True),
]
ALL_CONTENDERS = [row.name for row in CONTENDERS]

SERVICES = [
    Service("postlog", 1, "dgram-logd", ""),
    Service("logdv", 1, "dgram-logd", "-o maillog_file={log}/logdv.verify"),
    Service("plogdv", 1, "postlogd", "-o maillog_file={log}/plogdv.verify"),
    Service("lat1", 1, "dgram-sink", "-o max_use=0 -o dgram_sink_latency_report_file={log}/lat1.report "
            "-o dgram_sink_latency_samples_file={log}/lat1.samples"),
    Service("lat4", 4, "dgram-sink", "-o max_use=0 -o dgram_sink_latency_report_file={log}/lat4.report "
            "-o dgram_sink_latency_samples_file={log}/lat4.samples"),
]
# The latency receivers: raw-receiver --latency, or dgram-sink's latency mode under the
# master; each with the contender whose measured capacity sets its "half" load.
LATENCY = {"raw": (None, "raw-recvmmsg"), "latency-1": ("lat1", "sink-1"), "latency-4": ("lat4", "sink-4")}

# --api-cost: --sink-variants, so the contenders are sink-rx (the receive options on),
# sink-nocount (no counter file: what sink-1, which counts by default, is measured
# against for the counters' cost) and sink-ts (counters and receive timestamps, the
# time-in-queue histogram).
API_COST_VARIANTS = [("rx", "-o dgram_sink_receive_sender=yes -o dgram_sink_receive_credentials=yes"),
                     ("nocount", "-o dgram_stats_directory="),
                     ("ts", "-o dgram_sink_receive_timestamp=yes")]
API_COST_CONTENDERS = ["sink-1", "sink-2"]


def variant_rows(variants):
    """variant_rows - one dgram-sink contender (maxproc 1) per --sink-variant (label, words)."""
    return [Row(f"sink-{label}", f"dgram-sink, maxproc 1, {words}", "master",
                service=Service(f"sinkv{i}", 1, "dgram-sink", "-o max_use=0 {summary} " + words))
            for i, (label, words) in enumerate(variants)]


def user_rows(services):
    """user_rows - one contender per --service (label, maxproc, program, arguments): the
    user's own dgram-server program under the private master (copied into its daemon
    directory), with -o max_use=0 first like the sinks (their own -o max_use wins)."""
    return [Row(f"svc-{label}", f"{label}: {os.path.basename(program)}" + (f" {words}" if words else "") +
                (f", maxproc {maxproc}" if maxproc != 1 else ""), "master",
                service=Service(f"user{i}", maxproc, os.path.basename(program),
                                ("-o max_use=0 " + words).strip()), warm_flood=maxproc > 1)
            for i, (label, maxproc, program, words) in enumerate(services)]


def service_line(service, log):
    """service_line - the master.cf line of a service, {log} and {summary} filled in."""
    words = service.arguments.replace("{summary}", SUMMARY.replace("{service}", service.name)).replace(
        "{work}", WORK).replace("{log}", log)
    return f"{service.name} unix-dgram n - n - {service.maxproc} {service.program}" + (f" {words}" if words else "")


def summary_file(service, log):
    """summary_file - where a service's children write their exit summaries; None: they do not."""
    return f"{log}/{service.name}.summary" if "{summary}" in service.arguments else None


def master_cf(log, extra_rows):
    """master_cf - the private master's services: SERVICES, the contenders', the extra rows'
    (--sink-variant and --service)."""
    services = SERVICES + [row.service for row in CONTENDERS + extra_rows if row.service]
    return [service_line(s, log) for s in services]


def service(name):
    """service - the Service of that name (SERVICES or a contender's)."""
    return next(s for s in SERVICES + [row.service for row in CONTENDERS if row.service] if s.name == name)


def make_contenders(rows, master, rsyslog, raw_program, root, syslog_ng=None):
    """make_contenders - the receiver objects of the rows, by name."""
    made = {}
    for row in rows:
        if row.kind == "raw":
            made[row.name] = RawContender(row.name, row.label, row.mode, raw_program, root)
        elif row.kind == "master":
            made[row.name] = MasterContender(row.name, row.label, master, row.service.name,
                                             summary_file(row.service, master.log))
        elif row.kind == "syslog-ng":
            made[row.name] = SyslogNgContender(row.name, row.label, syslog_ng)
        else:
            made[row.name] = RsyslogContender(row.name, row.label, rsyslog)
        made[row.name].warm_flood = row.warm_flood
    return made


class Contender:
    """One receiver. prepare() makes it ready for a flood of `count`
    datagrams; usage_options() are the dgram-flood options that measure it
    (and wait for its drain); drained() collects what the flood left (the
    raw receiver's report); finish() returns what it knows of the count.
    The measuring itself (span, CPU, context switches) is dgram-flood's."""
    master = None
    warm_flood = False   # see the table

    def __init__(self, name, label):
        self.name = name
        self.label = label

    def socket(self):
        raise NotImplementedError

    def usage_options(self):
        """The dgram-flood options that measure this receiver (and its master)."""
        raise NotImplementedError

    def pids(self):
        """The receiving processes (for system call counts)."""
        raise NotImplementedError


class RawContender(Contender):
    def __init__(self, name, label, mode, program, root):
        super().__init__(name, label)
        self.mode = mode
        self.program = program
        self.path = f"{root}/raw.sock"
        self.proc = None
        self.report = None
        self.cpus = None   # the placement's CPUs (None: all); set by Bench.place

    def socket(self):
        return self.path

    def prepare(self, count, size, latency=False):
        if os.path.exists(self.path):
            os.unlink(self.path)
        # --stay: it reports at SIGTERM, after dgram-flood read its usage at the drain.
        argv = [self.program, "--socket", self.path, "--count", str(count), "--mode", self.mode, "--timeout", "60",
                "--stay"]
        if latency:
            argv.append("--latency")
        if self.cpus is not None:
            argv = ["taskset", "-c", ",".join(str(c) for c in sorted(self.cpus))] + argv
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if not wait_until(lambda: os.path.exists(self.path) or self.proc.poll() is not None, 10):
            raise RuntimeError("raw-receiver did not bind its socket")

    def pids(self):
        return [self.proc.pid] if self.proc else []

    def usage_options(self):
        # taskset execs the receiver: the pid is the receiver's.
        return ["--receiver", str(self.proc.pid)]

    def drained(self, timeout):
        # It has every datagram (dgram-flood waited for the drain), or never
        # will: either way SIGTERM makes it report.
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_process(self.proc.pid, "raw-receiver")
            out, err = self.proc.communicate()
        self.report = json.loads(out.strip().splitlines()[-1]) if out.strip() else {"complete": False}
        if err.strip():
            self.report["stderr"] = err.strip()
        self.proc = None

    def finish(self, count):
        r = self.report
        return {"received": r.get("count"), "complete": r.get("complete", False) and r.get("count") == count,
                "batch_mean": r.get("batch_mean"), "batch_max": r.get("batch_max")}


class MasterContender(Contender):
    """A service under the private master; the first datagram starts its child."""

    def __init__(self, name, label, master, service, summary_file=None):
        super().__init__(name, label)
        self.master = master
        self.service = service
        self.summary_file = summary_file
        self.summary_offset = 0
        self.warmups = 0
        self.inode = None

    def socket(self):
        return self.master.socket(self.service)

    def queue(self):
        """What waits on the service's socket (found through a child's fd 6)."""
        if self.inode is None:
            for pid in self.pids():
                self.inode = socket_inode(pid, 6)
                if self.inode:
                    break
        return queue_length(self.inode) if self.inode else None

    def pids(self):
        return self.master.children(self.service)

    def usage_options(self):
        # The master holds the socket too: every other holder is a receiver.
        return ["--find-receivers", "--master", str(self.master.pid)]

    def prepare(self, count, size, latency=False, warmup=None):
        if self.summary_file and os.path.exists(self.summary_file):
            self.summary_offset = os.path.getsize(self.summary_file)
        send_one(self.socket(), warmup if warmup is not None else payload(size))
        self.warmups = 1
        if not wait_until(lambda: self.pids(), 15):
            raise RuntimeError(f"no {self.service} child started: " + self.master.output())
        if not wait_until(lambda: self.queue() == 0, 15):
            raise RuntimeError(f"the {self.service} child does not read its socket (queue {self.queue()})")

    def drained(self, timeout):
        """Nothing to wait for: dgram-flood waited for the drain."""

    def summaries(self):
        if not self.summary_file or not os.path.exists(self.summary_file):
            return []
        with open(self.summary_file) as f:
            f.seek(self.summary_offset)
            lines = f.read().splitlines()
        return [dict(w.split("=", 1) for w in line.split() if "=" in w) for line in lines]

    def finish(self, count):
        """What proves the count: the sink's exit summaries (after the children are retired)."""
        result = {"received": None, "complete": None}
        if self.summary_file:
            self.master.retire()
            reports = self.summaries()
            served = sum(int(r.get("datagrams", 0)) for r in reports)
            result["received"] = served - self.warmups
            result["complete"] = served - self.warmups == count
            result["children"] = len(reports)
            batches = sum(int(r["batches"]) for r in reports if "batches" in r)
            if batches:
                result["batches"] = batches
                result["batch_mean"] = served / batches
            for key in ("batch_max", "max_batch"):
                values = [int(r[key]) for r in reports if key in r]
                if values:
                    result["batch_max"] = max(values)
            credentials = [int(r["credentials"]) for r in reports if "credentials" in r]
            if credentials:
                result["with_credentials"] = sum(credentials)
        return result


class RsyslogContender(Contender):
    def __init__(self, name, label, rsyslog):
        super().__init__(name, label)
        self.rsyslog = rsyslog
        self.daemon = rsyslog   # the logger with a file behind a socket (verify_logger)

    def socket(self):
        return self.rsyslog.null_socket

    def usage_options(self):
        # rsyslogd queues inside itself: its drain is its CPU time at rest.
        return ["--receiver", str(self.rsyslog.pid), "--settle", "300"]

    def pids(self):
        try:
            return [int(t) for t in os.listdir(f"/proc/{self.rsyslog.pid}/task")]
        except OSError:
            return [self.rsyslog.pid]

    def idle(self, quiet=0.3):
        """idle - before a flood (readiness, not measurement): waits until the queue is
        empty and the CPU time has not grown for `quiet` seconds."""
        last_cpu = cpu_seconds(self.rsyslog.pid)
        last_change = time.monotonic()
        deadline = last_change + 120
        while time.monotonic() < deadline:
            time.sleep(0.01)
            now = time.monotonic()
            cpu = cpu_seconds(self.rsyslog.pid)
            if cpu != last_cpu:
                last_cpu, last_change = cpu, now
            elif now - last_change >= quiet and queue_length(self.socket()) == 0:
                return last_change
        raise RuntimeError(f"{self.name} never went idle")

    def prepare(self, count, size, latency=False):
        self.idle()

    def drained(self, timeout):
        """Nothing to wait for: dgram-flood --settle waited until rsyslogd's CPU time rested."""

    def finish(self, count):
        return {"received": None, "complete": None}


class SyslogNgContender(RsyslogContender):
    """The private syslog-ng: like rsyslogd, a daemon that queues records inside
    (its CPU time stops growing when it is done) and has the same sockets and file."""
