#!/usr/bin/env python3
"""flood_compare - datagram receivers side by side on the same flood.

SUMMARY
    bench/flood_compare.py --build-dir DIR [--reps N] [--count N] [--quick]
        [--sizes 100,1000] [--senders send,mmsg] [--contenders a,b,...]
        [--syscall-count N] [--latency-count N] [--latency-rate R]
        [--sink-variant LABEL=WORDS]... [--time-budget MINUTES]
        [--results-dir DIR] [--no-render]
    bench/flood_compare.py --build-dir DIR --api-cost [--reps N] [--count N]
        [--senders send,mmsg] [--placements spread,cpu0]
    (bench/flood-compare installs and builds, then runs this.)

DESCRIPTION
    Starts, in one temporary folder under /tmp, a private Postfix instance
    (its own main.cf, master.cf, queue and daemon directory; never
    /etc/postfix nor /var/spool/postfix) and a private rsyslogd (its own
    configuration, socket, work directory and pid file; never the system's),
    then floods each contender in turn with dgram-flood, alternating the
    contenders repetition by repetition (the order is rotated each
    repetition), for every datagram size and sender (send(2) or sendmmsg(2)):

      raw-recvmmsg  bench/raw-receiver, recvmmsg batch 64 (the limit)
      raw-recv      bench/raw-receiver, one recv() per datagram
      sink-1        dgram-sink under the master, maxproc 1, -o max_use=0
      sink-1-compat the same with -o dgram_postfix_compatible=yes: Postfix's
                    one datagram per turn, for comparison
      sink-2/sink-4 the same with maxproc 2 and 4 (children share the gate)
      dgram-logd    dgram-logd under the master, maillog_file=/dev/null
      postlogd      Postfix's postlogd under the master, maillog_file=/dev/null
      rsyslog       rsyslogd imuxsock on a private socket, rate limit off,
                    omfile to /dev/null

    A timed run starts when dgram-flood is started and ends when every
    datagram was received: the raw receiver exits after the last one; for the
    others the socket's receive queue (ss -x Recv-Q) is empty after the
    sender finished, and rsyslog's CPU time has stopped growing (it queues
    records inside itself). Before each run the receiver is up: a warm-up
    datagram starts a master child and the queue is empty again.

    Child CPU is what the receiving processes spent: the sink's exit summary
    (cpu_user + cpu_system, after kill -HUP retired the children), the
    raw receiver's getrusage, /proc/PID/stat deltas (plus the master's
    cutime/cstime for children it reaped) for the loggers. Master CPU is the
    master's /proc/PID/stat utime+stime delta over the run. dgram-sink's
    summaries also prove that every datagram was served (datagrams= summed
    over the children equals what was sent); the loggers write a real file
    in one verification run each, and its lines are counted.

    System calls per datagram are counted on a separate flood of
    --syscall-count datagrams with `perf stat --per-thread -a -e
    raw_syscalls:sys_enter` (strace -c -f -p when perf cannot), for the
    receiving processes and the master separately.

    Latency under light load: latency-sender paces datagrams (default 1000/s)
    that carry their send time; raw-receiver --latency and latency-service
    under the master (maxproc 1 and 2) record the delays; p50/p99/max.

    With --time-budget, no repetition is started that would (judging by the
    ones before) end the timed floods after that many minutes; the results
    say how many ran. Results go to RESULTS_DIR/<UTC timestamp>.json and latest.json, then
    bench/render_results.py writes bench/RESULTS.md and the plot.

    --api-cost measures only what the new service API costs (issue 8): dgram-sink
    maxproc 1 with the receive options off (sink-1) and with
    dgram_sink_receive_sender and dgram_sink_receive_credentials on (sink-rx),
    and dgram-sink maxproc 2 (sink-2, the gate waited for on a thread), on
    100-byte floods (default 3 x 300,000 datagrams, send and sendmmsg), in two
    placements alternated within each repetition: "spread" (the scheduler's
    choice on every CPU) and "cpu0" (the master, its children and dgram-flood
    all on CPU 0: taskset -c 0 for the sender, the master's affinity for the
    children it forks). sink-rx's summaries must show credentials= on every
    flooded datagram. System calls per datagram are counted for each contender
    and placement. It writes RESULTS_DIR/<time>-api-cost.json (not
    latest.json) and replaces the "api-cost-flood" block of bench/RESULTS.md,
    leaving the rest of the file alone. A few minutes on 2 CPUs.

DIAGNOSTICS
    Exit status 0 when every run completed and every count checked out; 1
    when a run failed or a count was wrong (the JSON says which); 2 for a bad
    command line or a missing program. Everything started here is stopped by
    its process id and the temporary folder is removed, also on failure.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TICKS = os.sysconf("SC_CLK_TCK")
MASTER = "/usr/lib/postfix/sbin/master"
POSTLOGD = "/usr/lib/postfix/sbin/postlogd"
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}

ALL_CONTENDERS = ["raw-recvmmsg", "raw-recv", "sink-1", "sink-1-compat", "sink-2", "sink-4", "dgram-logd", "postlogd",
                  "rsyslog"]

# --api-cost: the receive options on (a --sink-variant, so the contender is sink-rx).
API_COST_VARIANT = ("rx", "-o dgram_sink_receive_sender=yes -o dgram_sink_receive_credentials=yes")
API_COST_CONTENDERS = ["sink-1", "sink-2"]
# Where the processes of a flood run: None is the scheduler's choice.
PLACEMENTS = {"spread": None, "cpu0": {0}}
RESULTS_BLOCK = ("<!-- begin api-cost-flood -->", "<!-- end api-cost-flood -->")


def say(text):
    print(f"flood-compare: {text}", flush=True)


# ---------------------------------------------------------------- /proc helpers

def proc_stat(pid):
    """proc_stat - state, ppid and CPU ticks of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    rest = text[text.rfind(")") + 2:].split()
    return {"state": rest[0], "ppid": int(rest[1]), "utime": int(rest[11]), "stime": int(rest[12]),
            "cutime": int(rest[13]), "cstime": int(rest[14])}


def cpu_seconds(pid):
    """cpu_seconds - utime + stime of a process (all its threads), in seconds; 0 when gone."""
    st = proc_stat(pid)
    return (st["utime"] + st["stime"]) / TICKS if st else 0.0


def reaped_cpu_seconds(pid):
    """reaped_cpu_seconds - cutime + cstime: CPU of the children a process has waited for."""
    st = proc_stat(pid)
    return (st["cutime"] + st["cstime"]) / TICKS if st else 0.0


def alive(pid):
    st = proc_stat(pid)
    return st is not None and st["state"] != "Z"


def children_of(ppid):
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = proc_stat(int(name))
            if st and st["ppid"] == ppid and st["state"] != "Z":
                pids.append(int(name))
    return pids


def argv_of(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [w.decode(errors="replace") for w in f.read().split(b"\0") if w]
    except OSError:
        return []


def service_of(pid):
    """service_of - the master.cf service a child serves: -n NAME, else its program name."""
    argv = argv_of(pid)
    for i, word in enumerate(argv[:-1]):
        if word == "-n":
            return argv[i + 1]
    return os.path.basename(argv[0]) if argv else None


def queue_length(path):
    """queue_length - ss's Recv-Q of a UNIX datagram socket (0: nothing queued), None if absent.

    path is where the socket is bound (an absolute path), or an int: the
    socket's inode, for the master's sockets (the master binds them by a path
    relative to the queue directory, so ss shows "public/NAME")."""
    if isinstance(path, int):
        out = subprocess.run(["ss", "-x", "-a", "-n"], capture_output=True, text=True, env=ENV).stdout
        values = [int(f[2]) for f in (line.split() for line in out.splitlines()[1:])
                  if len(f) > 5 and f[5] == str(path)]
    else:
        out = subprocess.run(["ss", "-x", "-a", "-n", "src", path], capture_output=True, text=True, env=ENV).stdout
        values = [int(line.split()[2]) for line in out.splitlines()[1:] if len(line.split()) > 2]
    return sum(values) if values else None


def socket_inode(pid, fd):
    """socket_inode - the inode of the socket a process holds as fd, or None."""
    try:
        link = os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:
        return None
    m = re.fullmatch(r"socket:\[(\d+)\]", link)
    return int(m.group(1)) if m else None


def wait_until(predicate, timeout, interval=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def payload(size):
    """payload - the bytes dgram-flood sends without --sequence: 'a' + offset % 26."""
    return bytes(ord("a") + i % 26 for i in range(size))


def send_one(path, data):
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(data, path)


def stop_process(pid, what, timeout=10.0):
    """stop_process - SIGTERM one process we started, then SIGKILL after timeout; by pid only."""
    if pid is None or not alive(pid):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    if not wait_until(lambda: not alive(pid), timeout, 0.05):
        say(f"{what} (pid {pid}) ignored SIGTERM for {timeout:.0f} s: SIGKILL")
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# ---------------------------------------------------------------- the private instances

class PostfixInstance:
    """A private Postfix master in ROOT/postfix, as tools/demo lays it out."""

    def __init__(self, root, programs, services, extra_main_cf=""):
        self.root = root
        self.etc = f"{root}/etc"
        self.spool = f"{root}/spool"
        self.log = f"{root}/log"
        self.proc = None
        self.pid = None
        self.known_children = set()
        for d in ["etc", "spool/pid", "spool/public", "spool/private", "data", "libexec", "log"]:
            os.makedirs(f"{root}/{d}", exist_ok=True)
        os.chmod(root, 0o755)
        os.chmod(self.spool, 0o755)
        os.chmod(self.log, 0o755)
        shutil.chown(f"{self.spool}/public", "postfix", "postdrop")
        os.chmod(f"{self.spool}/public", 0o2710)
        for d in [f"{self.spool}/private", f"{root}/data"]:
            shutil.chown(d, "postfix")
            os.chmod(d, 0o700)
        for program in programs:
            target = f"{root}/libexec/{os.path.basename(program)}"
            shutil.copy(program, target)
            os.chmod(target, 0o755)
        self.services = [line.split()[0] for line in services]
        self.write(f"{self.etc}/main.cf",
                   "compatibility_level = 3.6\n"
                   f"queue_directory = {self.spool}\n"
                   f"data_directory = {root}/data\n"
                   f"daemon_directory = {root}/libexec\n"
                   "mail_owner = postfix\n"
                   f"maillog_file = {self.log}/maillog\n"
                   f"maillog_file_prefixes = {root}, /dev/null\n" + extra_main_cf)
        self.write(f"{self.etc}/master.cf", "".join(line + "\n" for line in services))

    @staticmethod
    def write(path, text):
        with open(path, "w") as f:
            f.write(text)
        # Postfix distrusts a main.cf younger than 2 s: back-date it.
        past = time.time() - 60
        os.utime(path, (past, past))

    def socket(self, service):
        return f"{self.spool}/public/{service}"

    def start(self):
        out = open(f"{self.log}/master.out", "ab")
        self.proc = subprocess.Popen([MASTER, "-c", self.etc, "-d"], stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=out, env=ENV, start_new_session=True)
        self.pid = self.proc.pid
        ok = wait_until(lambda: all(os.path.exists(self.socket(s)) for s in self.services) or
                        self.proc.poll() is not None, 15)
        if not ok or self.proc.poll() is not None:
            raise RuntimeError("the Postfix master did not start: " + self.output())

    def output(self):
        text = ""
        for name in ["master.out", "maillog"]:
            try:
                with open(f"{self.log}/{name}", errors="replace") as f:
                    text += f"\n--- {name}:\n" + f.read()[-3000:]
            except OSError:
                pass
        return text

    def children(self, service=None):
        pids = [p for p in children_of(self.pid) if service is None or service_of(p) == service]
        self.known_children.update(pids)
        return pids

    def retire(self, timeout=30):
        """retire - kill -HUP: every child ends (and reports); waits until they are gone."""
        before = self.children()
        os.kill(self.pid, signal.SIGHUP)
        if not wait_until(lambda: not any(alive(p) for p in before), timeout, 0.02):
            raise RuntimeError(f"children {before} did not exit after kill -HUP")

    def complaints(self):
        try:
            with open(f"{self.log}/maillog", errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            return []
        bad = ("partial status update", "ignoring status update", "bad command startup", "throttling",
               "fatal:", "panic:")
        return [line for line in lines if any(b in line for b in bad)]

    def stop(self):
        if self.proc is None:
            return
        stop_process(self.pid, "the Postfix master")
        self.proc.wait()
        # Children see the status channel close and leave; any left are ours to end.
        for pid in self.known_children:
            if alive(pid):
                stop_process(pid, "a master child", 5)
        self.proc = None


class Rsyslog:
    """A private rsyslogd in the foreground: imuxsock on two private sockets,
    rate limiting off; one to /dev/null (timed runs), one to a file (verification)."""

    def __init__(self, root):
        self.root = root
        os.makedirs(f"{root}/work", exist_ok=True)
        self.null_socket = f"{root}/null.sock"
        self.verify_socket = f"{root}/verify.sock"
        self.verify_file = f"{root}/verify.log"
        self.conf = f"{root}/rsyslog.conf"
        with open(self.conf, "w") as f:
            f.write(f'global(workDirectory="{root}/work" maxMessageSize="64k")\n'
                    'module(load="imuxsock" SysSock.Use="off")\n'
                    'ruleset(name="null") { action(type="omfile" file="/dev/null") }\n'
                    f'ruleset(name="verify") {{ action(type="omfile" file="{self.verify_file}") }}\n'
                    f'input(type="imuxsock" Socket="{self.null_socket}" RateLimit.Interval="0" Ruleset="null")\n'
                    f'input(type="imuxsock" Socket="{self.verify_socket}" RateLimit.Interval="0" '
                    'Ruleset="verify")\n')
        self.proc = None
        self.pid = None

    def start(self):
        out = open(f"{self.root}/rsyslogd.out", "ab")
        self.proc = subprocess.Popen(["rsyslogd", "-n", "-f", self.conf, "-i", f"{self.root}/rsyslogd.pid"],
                                     stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=ENV,
                                     start_new_session=True)
        self.pid = self.proc.pid
        if not wait_until(lambda: os.path.exists(self.null_socket) and os.path.exists(self.verify_socket), 15):
            raise RuntimeError("rsyslogd did not create its sockets")

    def stop(self):
        if self.proc is not None:
            stop_process(self.pid, "rsyslogd")
            self.proc.wait()
            self.proc = None


# ---------------------------------------------------------------- contenders

class Contender:
    """One receiver. prepare() makes it ready for a flood of `count`
    datagrams; drained() waits until all arrived and returns that time;
    finish() returns child/master CPU and what it knows of the count."""
    master = None

    def __init__(self, name, label):
        self.name = name
        self.label = label

    def socket(self):
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

    def socket(self):
        return self.path

    def prepare(self, count, size, latency=False):
        if os.path.exists(self.path):
            os.unlink(self.path)
        argv = [self.program, "--socket", self.path, "--count", str(count), "--mode", self.mode, "--timeout", "60"]
        if latency:
            argv.append("--latency")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if not wait_until(lambda: os.path.exists(self.path) or self.proc.poll() is not None, 10):
            raise RuntimeError("raw-receiver did not bind its socket")

    def pids(self):
        return [self.proc.pid] if self.proc else []

    def drained(self, timeout):
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_process(self.proc.pid, "raw-receiver")
            out, err = self.proc.communicate()
        end = time.monotonic()
        self.report = json.loads(out.strip().splitlines()[-1]) if out.strip() else {"complete": False}
        if err.strip():
            self.report["stderr"] = err.strip()
        self.proc = None
        return end

    def finish(self, count):
        r = self.report
        return {"child_cpu": r.get("cpu_user", 0) + r.get("cpu_system", 0), "master_cpu": None,
                "received": r.get("count"), "complete": r.get("complete", False) and r.get("count") == count,
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
        self.cpu_before = 0.0
        self.master_before = 0.0
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

    def children_cpu(self):
        return reaped_cpu_seconds(self.master.pid) + sum(cpu_seconds(p) for p in self.pids())

    def prepare(self, count, size, latency=False, warmup=None):
        if self.summary_file and os.path.exists(self.summary_file):
            self.summary_offset = os.path.getsize(self.summary_file)
        send_one(self.socket(), warmup if warmup is not None else payload(size))
        self.warmups = 1
        if not wait_until(lambda: self.pids(), 15):
            raise RuntimeError(f"no {self.service} child started: " + self.master.output())
        if not wait_until(lambda: self.queue() == 0, 15):
            raise RuntimeError(f"the {self.service} child does not read its socket (queue {self.queue()})")
        self.cpu_before = self.children_cpu()
        self.master_before = cpu_seconds(self.master.pid)

    def drained(self, timeout):
        wait_until(lambda: self.queue() == 0, timeout, 0.005)
        end = time.monotonic()
        self.master_after = cpu_seconds(self.master.pid)
        self.cpu_after = self.children_cpu()
        return end

    def summaries(self):
        if not self.summary_file or not os.path.exists(self.summary_file):
            return []
        with open(self.summary_file) as f:
            f.seek(self.summary_offset)
            lines = f.read().splitlines()
        return [dict(w.split("=", 1) for w in line.split() if "=" in w) for line in lines]

    def finish(self, count):
        result = {"child_cpu": self.cpu_after - self.cpu_before, "master_cpu": self.master_after - self.master_before,
                  "received": None, "complete": None}
        if self.summary_file:
            self.master.retire()
            reports = self.summaries()
            served = sum(int(r.get("datagrams", 0)) for r in reports)
            result["received"] = served - self.warmups
            result["complete"] = served - self.warmups == count
            result["children"] = len(reports)
            result["child_cpu"] = sum(float(r.get("cpu_user", 0)) + float(r.get("cpu_system", 0)) for r in reports)
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

    def socket(self):
        return self.rsyslog.null_socket

    def pids(self):
        try:
            return [int(t) for t in os.listdir(f"/proc/{self.rsyslog.pid}/task")]
        except OSError:
            return [self.rsyslog.pid]

    def idle(self, quiet=0.3):
        """idle - waits until the queue is empty and the CPU time has not grown for
        `quiet` seconds; returns the time of the last growth seen."""
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
        raise RuntimeError("rsyslogd never went idle")

    def prepare(self, count, size, latency=False):
        self.idle()
        self.cpu_before = cpu_seconds(self.rsyslog.pid)

    def drained(self, timeout):
        end = self.idle()
        self.cpu_after = cpu_seconds(self.rsyslog.pid)
        return end

    def finish(self, count):
        return {"child_cpu": self.cpu_after - self.cpu_before, "master_cpu": None, "received": None,
                "complete": None}


# ---------------------------------------------------------------- the bench

class Bench:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build_dir)
        self.programs = {
            "flood": f"{self.build}/tools/dgram-flood",
            "sink": f"{self.build}/tools/dgram-sink",
            "logd": f"{self.build}/tools/dgram-logd",
            "raw": f"{self.build}/bench/raw-receiver",
            "latency_service": f"{self.build}/bench/latency-service",
            "latency_sender": f"{self.build}/bench/latency-sender",
        }
        missing = [p for p in list(self.programs.values()) + [MASTER, POSTLOGD] if not os.access(p, os.X_OK)]
        if missing:
            raise SystemExit(f"flood-compare: missing programs: {' '.join(missing)} (bench/flood-compare builds them)")
        self.root = tempfile.mkdtemp(prefix="dgram-bench.", dir="/tmp")
        os.chmod(self.root, 0o755)
        self.master = None
        self.rsyslog = None
        self.started = []   # (pid, what) of the processes started here
        self.failures = []
        self.cpus = None    # the CPUs of the current placement; None: all

    # -- set-up and tear-down

    def master_cf(self):
        p = self.root + "/postfix"
        lines = [
            "postlog unix-dgram n - n - 1 dgram-logd",
            f"sink1 unix-dgram n - n - 1 dgram-sink -o max_use=0 -o dgram_sink_summary_file={p}/log/sink1.summary",
            f"sinkc unix-dgram n - n - 1 dgram-sink -o max_use=0 -o dgram_postfix_compatible=yes "
            f"-o dgram_sink_summary_file={p}/log/sinkc.summary",
            f"sink2 unix-dgram n - n - 2 dgram-sink -o max_use=0 -o dgram_sink_summary_file={p}/log/sink2.summary",
            f"sink4 unix-dgram n - n - 4 dgram-sink -o max_use=0 -o dgram_sink_summary_file={p}/log/sink4.summary",
            "logd unix-dgram n - n - 1 dgram-logd -o maillog_file=/dev/null",
            f"logdv unix-dgram n - n - 1 dgram-logd -o maillog_file={p}/log/logd.verify",
            "plogd unix-dgram n - n - 1 postlogd -o maillog_file=/dev/null",
            f"plogdv unix-dgram n - n - 1 postlogd -o maillog_file={p}/log/postlogd.verify",
            f"lat1 unix-dgram n - n - 1 latency-service -o max_use=0 -o latency_report_file={p}/log/lat1.report "
            f"-o latency_samples_file={p}/log/lat1.samples",
            f"lat2 unix-dgram n - n - 2 latency-service -o max_use=0 -o latency_report_file={p}/log/lat2.report "
            f"-o latency_samples_file={p}/log/lat2.samples",
        ]
        for i, (label, words) in enumerate(self.args.sink_variant):
            lines.append(f"sinkv{i} unix-dgram n - n - 1 dgram-sink -o max_use=0 "
                         f"-o dgram_sink_summary_file={p}/log/sinkv{i}.summary {words}")
        return lines

    def setup(self):
        say(f"private instances in {self.root}")
        self.master = PostfixInstance(self.root + "/postfix",
                                      [self.programs["sink"], self.programs["logd"],
                                       self.programs["latency_service"], POSTLOGD],
                                      self.master_cf())
        self.master.start()
        # rsyslogd only when it is compared (--api-cost does without it).
        self.rsyslog = Rsyslog(self.root + "/rsyslog")
        if "rsyslog" in self.args.contenders:
            self.rsyslog.start()
        m = self.master
        log = m.log
        self.contenders = {
            "raw-recvmmsg": RawContender("raw-recvmmsg", "raw recvmmsg (batch 64)", "recvmmsg",
                                         self.programs["raw"], self.root),
            "raw-recv": RawContender("raw-recv", "raw recv", "recv", self.programs["raw"], self.root),
            "sink-1": MasterContender("sink-1", "dgram-sink, maxproc 1", m, "sink1", f"{log}/sink1.summary"),
            "sink-1-compat": MasterContender("sink-1-compat", "dgram-sink, maxproc 1, dgram_postfix_compatible=yes "
                                             "(one datagram per turn)", m, "sinkc", f"{log}/sinkc.summary"),
            "sink-2": MasterContender("sink-2", "dgram-sink, maxproc 2", m, "sink2", f"{log}/sink2.summary"),
            "sink-4": MasterContender("sink-4", "dgram-sink, maxproc 4", m, "sink4", f"{log}/sink4.summary"),
            "dgram-logd": MasterContender("dgram-logd", "dgram-logd to /dev/null", m, "logd"),
            "postlogd": MasterContender("postlogd", "Postfix postlogd to /dev/null", m, "plogd"),
            "rsyslog": RsyslogContender("rsyslog", "rsyslog imuxsock to /dev/null", self.rsyslog),
        }
        self.order = list(self.args.contenders)
        for i, (label, words) in enumerate(self.args.sink_variant):
            name = f"sink-{label}"
            self.contenders[name] = MasterContender(name, f"dgram-sink, maxproc 1, {words}", m, f"sinkv{i}",
                                                    f"{log}/sinkv{i}.summary")
            self.order.append(name)

    def teardown(self):
        for contender in getattr(self, "contenders", {}).values():
            if isinstance(contender, RawContender) and contender.proc is not None:
                stop_process(contender.proc.pid, "raw-receiver", 5)
        if self.master:
            self.master.stop()
        if self.rsyslog:
            self.rsyslog.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- one flood

    def flood(self, path, count, size, sender, timeout):
        argv = [self.programs["flood"], "-n", str(count), "-s", str(size), "--quiet", "--json", "--timeout", "30"]
        if sender == "mmsg":
            argv.append("--mmsg")
        argv.append(path)
        if self.cpus is not None:
            argv = ["taskset", "-c", ",".join(str(c) for c in sorted(self.cpus))] + argv
        start = time.monotonic()
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        end = time.monotonic()
        report = json.loads(p.stdout.strip().splitlines()[-1]) if p.stdout.strip() else {}
        if p.returncode != 0:
            raise RuntimeError(f"dgram-flood exited {p.returncode}: {p.stderr.strip()}")
        return start, end, report

    def timed_run(self, contender, count, size, sender, rep):
        timeout = max(120.0, count / 2000.0)
        contender.prepare(count, size)
        start, sent_at, report = self.flood(contender.socket(), count, size, sender, timeout)
        end = contender.drained(timeout)
        end = max(end, sent_at)
        result = contender.finish(count)
        seconds = end - start
        run = {"rep": rep, "contender": contender.name, "size": size, "sender": sender, "count": count,
               "seconds": round(seconds, 6), "rate": round(count / seconds, 1),
               "sender_seconds": round(sent_at - start, 6), "sender_rate": report.get("datagrams_per_second")}
        run.update({k: (round(v, 6) if isinstance(v, float) else v) for k, v in result.items()})
        if isinstance(contender, RawContender):
            run["receiver_rate"] = contender.report.get("datagrams_per_s")
        return run

    # -- system calls

    def syscall_tool(self):
        if shutil.which("perf"):
            p = subprocess.run(["perf", "stat", "-e", "raw_syscalls:sys_enter", "-x,", "true"],
                               capture_output=True, text=True)
            if p.returncode == 0 and "raw_syscalls:sys_enter" in p.stderr and "<not" not in p.stderr:
                return "perf"
        if shutil.which("strace"):
            return "strace"
        return None

    def start_perf(self, out):
        """start_perf - perf stat counting system calls per thread, system-wide;
        returns once perf acknowledges a control command (it is counting)."""
        ctl, ack = f"{self.root}/perf.ctl", f"{self.root}/perf.ack"
        for fifo in (ctl, ack):
            if not os.path.exists(fifo):
                os.mkfifo(fifo)
        counter = subprocess.Popen(["perf", "stat", "--per-thread", "-a", "-e", "raw_syscalls:sys_enter", "-x,",
                                    "-o", out, "--control", f"fifo:{ctl},{ack}"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ctl_fd = os.open(ctl, os.O_RDWR)
        ack_fd = os.open(ack, os.O_RDWR | os.O_NONBLOCK)
        try:
            os.write(ctl_fd, b"enable\n")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and counter.poll() is None:
                try:
                    if os.read(ack_fd, 16):
                        return counter
                except BlockingIOError:
                    pass
                time.sleep(0.02)
        finally:
            os.close(ctl_fd)
            os.close(ack_fd)
        raise RuntimeError("perf stat did not start counting")

    def count_syscalls(self, contender, count, size, sender):
        """Floods `count` datagrams with the receiving processes and the master
        under a system call counter; returns calls per datagram for each."""
        tool = self.tool
        contender.prepare(count, size)
        if contender.name in ("sink-2", "sink-4", "rsyslog"):
            # Let the master start the children (rsyslogd its queue workers) that
            # the flood will make it start: perf counts the threads that exist
            # when it starts.
            extra = max(count // 5, 1000)
            self.flood(contender.socket(), extra, size, sender, 120)
            if isinstance(contender, MasterContender):
                contender.warmups += extra
                wait_until(lambda: contender.queue() == 0, 30)
            else:
                contender.prepare(count, size)
        receivers = contender.pids()
        master_pid = contender.master.pid if contender.master else None
        out = f"{self.root}/syscalls.txt"
        if tool == "perf":
            counter = self.start_perf(out)
        else:
            watched = receivers + ([master_pid] if master_pid else [])
            counter = subprocess.Popen(["strace", "-c", "-f", "-o", out] +
                                       [w for p in watched for w in ("-p", str(p))],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.5)   # strace attaches within a few ms; no readiness signal
        try:
            self.flood(contender.socket(), count, size, sender, max(120.0, count / 1000.0))
            contender.drained(120)
        finally:
            counter.send_signal(signal.SIGINT)
            try:
                counter.wait(30)
            except subprocess.TimeoutExpired:
                stop_process(counter.pid, tool)
                counter.wait()
        after = contender.pids()
        result = contender.finish(count)
        entry = {"contender": contender.name, "size": size, "sender": sender, "count": count, "tool": tool,
                 "receivers": len(set(receivers) | set(after))}
        late = sorted(set(after) - set(receivers))
        if tool == "perf":
            counts = {}
            with open(out) as f:
                for line in f:
                    fields = line.strip().split(",")
                    if len(fields) > 3 and fields[3].startswith("raw_syscalls") and fields[1].isdigit():
                        tid = int(fields[0].rsplit("-", 1)[1])
                        counts[tid] = counts.get(tid, 0) + int(fields[1])
            entry["child_calls"] = sum(counts.get(p, 0) for p in set(receivers))
            if master_pid:
                entry["master_calls"] = counts.get(master_pid, 0)
            if late:
                entry["uncounted_children"] = len(late)
        else:
            # strace -c's last line: "100.00 SECONDS USECS/CALL CALLS ERRORS total".
            with open(out) as f:
                total = re.findall(r"^\s*100\.00\s+\S+\s+\S+\s+(\d+)", f.read(), re.M)
            entry["child_and_master_calls"] = int(total[-1]) if total else None
            entry["note"] = "strace -c -f counts the receivers and the master together"
        for key in ("child_calls", "master_calls", "child_and_master_calls"):
            if entry.get(key) is not None:
                entry[key.replace("calls", "per_datagram")] = round(entry[key] / count, 3)
        if result.get("batch_mean") is not None:
            entry["batch_mean"] = result["batch_mean"]
        if result.get("complete") is False:
            entry["complete"] = False
        return entry

    # -- verification of the loggers

    def verify_logger(self, name, size, count):
        data = payload(size)
        tail = data[16:].decode()
        if name == "rsyslog":
            path, target = self.rsyslog.verify_socket, self.rsyslog.verify_file
        else:
            service = {"dgram-logd": "logdv", "postlogd": "plogdv"}[name]
            path = self.master.socket(service)
            target = f"{self.master.log}/{'logd' if name == 'dgram-logd' else 'postlogd'}.verify"
            probe = MasterContender(name, name, self.master, service)
        before = self.count_lines(target, tail)
        self.flood(path, count, size, "send", max(120.0, count / 1000.0))
        # Loggers write behind the socket (rsyslog queues inside): wait until
        # every line is there, or nothing has changed for 3 s, 60 s at most.
        last, last_change, deadline = None, time.monotonic(), time.monotonic() + 60
        while time.monotonic() < deadline:
            seen = self.count_lines(target, tail)
            if seen[0] - before[0] >= count:
                break
            if seen != last:
                last, last_change = seen, time.monotonic()
            elif time.monotonic() - last_change > 3 and \
                    (queue_length(path) if name == "rsyslog" else probe.queue()) == 0:
                break
            time.sleep(0.1)
        lines, whole = self.count_lines(target, tail)
        return {"contender": name, "size": size, "sent": count, "lines": lines - before[0],
                "whole": whole - before[1], "complete": lines - before[0] == count and whole - before[1] == count}

    @staticmethod
    def count_lines(path, tail):
        """count_lines - lines in the file, and lines that end with the record's tail (written whole)."""
        if not os.path.exists(path):
            return (0, 0)
        lines = whole = 0
        with open(path, errors="replace") as f:
            for line in f:
                lines += 1
                if line.replace(" ", "").rstrip().endswith(tail):
                    whole += 1
        return (lines, whole)

    # -- latency

    def latency(self, receiver, count, rate, size):
        sender = self.programs["latency_sender"]
        if receiver == "raw":
            raw = self.contenders["raw-recvmmsg"]
            raw.prepare(count, size, latency=True)
            p = subprocess.run([sender, "--rate", str(rate), "--count", str(count), "--size", str(size), raw.path],
                               capture_output=True, text=True, timeout=count / rate + 60)
            raw.drained(30)
            fields = dict(w.split("=", 1) for w in raw.report.get("latency", "").split())
            label = "raw-receiver (recvmmsg, MSG_WAITFORONE)"
        else:
            service = {"latency-1": "lat1", "latency-2": "lat2"}[receiver]
            report, samples = f"{self.master.log}/{service}.report", f"{self.master.log}/{service}.samples"
            offsets = [os.path.getsize(f) if os.path.exists(f) else 0 for f in (report, samples)]
            contender = MasterContender(receiver, receiver, self.master, service)
            contender.prepare(count, size, warmup=b"w")   # too short to carry a stamp: not a delay
            p = subprocess.run([sender, "--rate", str(rate), "--count", str(count), "--size", str(size),
                                contender.socket()], capture_output=True, text=True, timeout=count / rate + 60)
            wait_until(lambda: contender.queue() == 0, 30)
            self.master.retire()
            with open(report) as f:
                f.seek(offsets[0])
                lines = [dict(w.split("=", 1) for w in line.split() if "=" in w) for line in f.read().splitlines()]
            with open(samples, "rb") as f:
                f.seek(offsets[1])
                raw = f.read()
            # Every child's delays together (maxproc 2: the children take turns).
            delays = sorted(int.from_bytes(raw[i:i + 8], sys.byteorder, signed=True)
                            for i in range(0, len(raw) - 7, 8))
            fields = {"count": sum(int(x.get("count", 0)) for x in lines),
                      "malformed": sum(int(x.get("malformed", 0)) for x in lines) - 1,   # the warm-up
                      "children": len(lines)}
            for key, q in (("min_us", 0.0), ("p50_us", 0.5), ("p99_us", 0.99), ("p999_us", 0.999),
                           ("max_us", 1.0)):
                if delays:
                    fields[key] = delays[min(len(delays) - 1, int(q * (len(delays) - 1) + 0.5))] / 1000.0
            label = f"latency-service under the master, maxproc {service[-1]}"
        sent = json.loads(p.stdout.strip().splitlines()[-1]) if p.stdout.strip() else {}
        entry = {"receiver": receiver, "label": label, "rate": rate, "size": size, "sent": sent.get("sent"),
                 "late_sends": sent.get("late")}
        for key in ("count", "malformed", "children"):
            if key in fields:
                entry[key] = int(fields[key])
        for key in ("min_us", "p50_us", "p99_us", "p999_us", "max_us"):
            if key in fields:
                entry[key] = float(fields[key])
        return entry

    # -- the whole comparison

    def run(self):
        a = self.args
        began = time.monotonic()
        self.tool = self.syscall_tool()
        facts = machine_facts()
        facts["syscall_counter"] = self.tool
        runs = []
        cells = [(size, sender) for size in a.sizes for sender in a.senders]
        say(f"{a.reps} repetitions x {len(cells)} floods x {len(self.order)} contenders, "
            f"{a.count} datagrams each")
        reps_done = 0
        for rep in range(1, a.reps + 1):
            elapsed = time.monotonic() - began
            if rep > 1 and a.time_budget and elapsed + elapsed / (rep - 1) > a.time_budget * 60:
                say(f"stopping after {rep - 1} repetition(s): another would pass the time budget "
                    f"({a.time_budget:g} minutes)")
                break
            shift = (rep - 1) % len(self.order)
            order = self.order[shift:] + self.order[:shift]
            for size, sender in cells:
                for name in order:
                    try:
                        run = self.timed_run(self.contenders[name], a.count, size, sender, rep)
                    except Exception as e:  # one failed run is reported, the others go on
                        run = {"rep": rep, "contender": name, "size": size, "sender": sender, "count": a.count,
                               "error": str(e)[:2000]}
                        self.failures.append(f"{name} {size}/{sender} rep {rep}: {e}")
                        self.recover(name)
                    runs.append(run)
                    say(f"rep {rep} {size:>4}B {sender:<4} {name:<13} " +
                        (f"{run['rate']:>10.0f}/s" if "rate" in run else "FAILED: " + run["error"][:200]) +
                        ("" if run.get("complete") is not False else f"  INCOMPLETE received={run.get('received')}"))
                    if run.get("complete") is False:
                        self.failures.append(f"{name} {size}/{sender} rep {rep}: received {run.get('received')} "
                                             f"of {a.count}")
            reps_done = rep

        syscalls = []
        say(f"system calls per datagram ({self.tool}), {a.syscall_count} datagrams of {a.sizes[0]} bytes")
        for name in self.order:
            for sender in a.senders:
                try:
                    entry = self.count_syscalls(self.contenders[name], a.syscall_count, a.sizes[0], sender)
                except Exception as e:
                    entry = {"contender": name, "sender": sender, "error": str(e)[:2000]}
                    self.failures.append(f"syscalls {name} {sender}: {e}")
                    self.recover(name)
                syscalls.append(entry)
                say(f"  {name:<13} {sender:<4} child {entry.get('child_per_datagram')} "
                    f"master {entry.get('master_per_datagram')}")

        verification = []
        for name in ("dgram-logd", "postlogd", "rsyslog"):
            if name not in self.order:
                continue
            for size in a.sizes:
                try:
                    entry = self.verify_logger(name, size, a.syscall_count)
                except Exception as e:
                    entry = {"contender": name, "size": size, "error": str(e)[:2000], "complete": False}
                verification.append(entry)
                if not entry.get("complete"):
                    self.failures.append(f"verification {name} {size}: {entry}")
                say(f"verified {name} {size}B: {entry.get('lines')} lines, {entry.get('whole')} whole, "
                    f"of {entry.get('sent')}")

        latency = []
        for receiver in ("raw", "latency-1", "latency-2"):
            try:
                entry = self.latency(receiver, a.latency_count, a.latency_rate, 100)
            except Exception as e:
                entry = {"receiver": receiver, "error": str(e)[:2000]}
                self.failures.append(f"latency {receiver}: {e}")
            latency.append(entry)
            say(f"latency {receiver}: p50 {entry.get('p50_us')} us, p99 {entry.get('p99_us')} us, "
                f"max {entry.get('max_us')} us")

        facts["loadavg_end"] = read_first("/proc/loadavg")
        complaints = self.master.complaints()
        return {
            "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": a.command,
            "settings": {"count": a.count, "reps": reps_done, "reps_requested": a.reps,
                         "time_budget_minutes": a.time_budget, "sizes": a.sizes, "senders": a.senders,
                         "contenders": self.order, "syscall_count": a.syscall_count,
                         "latency_count": a.latency_count, "latency_rate": a.latency_rate, "quick": a.quick},
            "labels": {name: self.contenders[name].label for name in self.order},
            "facts": facts,
            "duration_s": round(time.monotonic() - began, 1),
            "runs": runs,
            "summary": summarize(runs, self.order, cells),
            "syscalls": syscalls,
            "verification": verification,
            "latency": latency,
            "master_complaints": complaints[:50],
            "failures": self.failures,
        }

    # -- --api-cost: the new API's receive options and maxproc 2, two placements

    def place(self, placement):
        """place - the master (so the children it forks from now on) and the
        sender on the placement's CPUs; the children running now are retired."""
        cpus = PLACEMENTS[placement]
        self.cpus = cpus
        self.master.retire()
        os.sched_setaffinity(self.master.pid, cpus if cpus is not None else set(range(os.cpu_count())))

    def run_api_cost(self):
        a = self.args
        began = time.monotonic()
        self.tool = self.syscall_tool()
        facts = machine_facts()
        facts["syscall_counter"] = self.tool
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
                            run = self.timed_run(self.contenders[name], a.count, size, sender, rep)
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
        syscalls = []
        for placement in a.placements:
            self.place(placement)
            for name in self.order:
                for sender in a.senders:
                    try:
                        entry = self.count_syscalls(self.contenders[name], a.syscall_count, 100, sender)
                    except Exception as e:
                        entry = {"contender": name, "sender": sender, "error": str(e)[:2000]}
                        self.failures.append(f"syscalls {name} {placement} {sender}: {e}")
                        self.recover(name)
                    entry["placement"] = placement
                    syscalls.append(entry)
                    say(f"  syscalls {placement:<6} {name:<8} {sender:<4} child {entry.get('child_per_datagram')} "
                        f"master {entry.get('master_per_datagram')}")
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


# ---------------------------------------------------------------- summaries and facts

def summarize(runs, order, cells):
    """Per contender and (size, sender): median/min/max rate, CPU per 10^6, ratios."""
    table = {}
    for name in order:
        for size, sender in cells:
            ok = [r for r in runs if r["contender"] == name and r["size"] == size and r["sender"] == sender
                  and "rate" in r]
            if not ok:
                continue
            rates = [r["rate"] for r in ok]
            entry = {"runs": len(ok), "median": round(statistics.median(rates), 1), "min": min(rates),
                     "max": max(rates)}
            for key in ("child_cpu", "master_cpu"):
                per = [r[key] / r["count"] * 1e6 for r in ok if r.get(key) is not None]
                if per:
                    entry[key + "_per_1e6"] = round(statistics.median(per), 3)
            batches = [r["batch_mean"] for r in ok if r.get("batch_mean") is not None]
            if batches:
                entry["batch_mean"] = round(statistics.median(batches), 2)
            maxes = [r["batch_max"] for r in ok if r.get("batch_max") is not None]
            if maxes:
                entry["batch_max"] = max(maxes)
            checks = [r["complete"] for r in ok if r.get("complete") is not None]
            if checks:
                entry["all_received"] = all(checks)
            table.setdefault(name, {})[f"{size}/{sender}"] = entry
    for name in table:
        for cell, entry in table[name].items():
            for base, key in (("raw-recvmmsg", "vs_raw"), ("postlogd", "vs_postlogd"), ("rsyslog", "vs_rsyslog")):
                ref = table.get(base, {}).get(cell)
                if ref and ref["median"] > 0:
                    entry[key] = round(entry["median"] / ref["median"], 3)
            ref = table.get("postlogd", {}).get(cell)
            if ref and ref.get("master_cpu_per_1e6") and entry.get("master_cpu_per_1e6") is not None:
                entry["master_cpu_vs_postlogd"] = round(entry["master_cpu_per_1e6"] / ref["master_cpu_per_1e6"], 3)
    return table


def summarize_api_cost(runs, order, senders, placements):
    """Per placement, sender and contender: median/min/max rate, CPU per 10^6,
    and the ratio of each contender's median to sink-1's, with the range of
    the same ratio within one repetition."""
    table = {}
    for placement in placements:
        for sender in senders:
            cell = f"{placement}/{sender}"
            ok = {name: [r for r in runs if r["contender"] == name and r.get("placement") == placement
                         and r["sender"] == sender and "rate" in r] for name in order}
            for name in order:
                if not ok[name]:
                    continue
                rates = [r["rate"] for r in ok[name]]
                entry = {"runs": len(rates), "median": round(statistics.median(rates), 1), "min": min(rates),
                         "max": max(rates)}
                for key in ("child_cpu", "master_cpu"):
                    per = [r[key] / r["count"] * 1e6 for r in ok[name] if r.get(key) is not None]
                    if per:
                        entry[key + "_per_1e6"] = round(statistics.median(per), 3)
                table.setdefault(cell, {})[name] = entry
            base = table.get(cell, {}).get("sink-1")
            for name, entry in table.get(cell, {}).items():
                if base and base["median"] > 0:
                    entry["vs_sink_1"] = round(entry["median"] / base["median"], 3)
                    by_rep = {r["rep"]: r["rate"] for r in ok["sink-1"]}
                    per_rep = [r["rate"] / by_rep[r["rep"]] for r in ok[name] if r["rep"] in by_rep]
                    if per_rep:
                        entry["vs_sink_1_range"] = [round(min(per_rep), 3), round(max(per_rep), 3)]
    return table


def render_api_cost(data):
    """render_api_cost - the RESULTS.md block of an --api-cost run."""
    s, f = data["settings"], data["facts"]
    out = [RESULTS_BLOCK[0], "## The new API's cost, end to end (issue 8)", "",
           f"Generated by `{data['command']}` on {data['generated']} ({data['duration_s'] / 60:.1f} minutes; "
           f"{s['reps']} repetition(s) of {s['count']:,} datagrams of 100 bytes per flood; contenders alternated "
           "within each repetition, their order rotated, the two placements alternated). Contenders: " +
           "; ".join(f"**{n}** {data['labels'][n]}" for n in s["contenders"]) + ". Placements: **spread** "
           "(the scheduler's choice on both CPUs), **cpu0** (master, children and dgram-flood on CPU 0).", ""]
    out += ["Datagrams/s, median (min–max), and the median over sink-1's median in the same run "
            "(in brackets: that ratio's lowest and highest within one repetition):", ""]
    header = [f"{p}, {'send(2)' if x == 'send' else 'sendmmsg(2)'}" for p in s["placements"] for x in s["senders"]]
    out.append("| contender | " + " | ".join(header) + " |")
    out.append("|---|" + "---:|" * len(header))
    for name in s["contenders"]:
        cells = []
        for p in s["placements"]:
            for x in s["senders"]:
                e = data["summary"].get(f"{p}/{x}", {}).get(name)
                if not e:
                    cells.append("-")
                    continue
                text = f"**{e['median']:,.0f}** ({e['min']:,.0f}–{e['max']:,.0f})"
                if name != "sink-1" and "vs_sink_1" in e:
                    lo, hi = e.get("vs_sink_1_range", [None, None])
                    text += f"<br>{e['vs_sink_1']:.2f}× sink-1" + (f" ({lo:.2f}–{hi:.2f})" if lo is not None else "")
                cells.append(text)
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    out += ["", "CPU seconds per 10^6 datagrams, median: child(ren) / master:", ""]
    out.append("| contender | " + " | ".join(header) + " |")
    out.append("|---|" + "---:|" * len(header))
    for name in s["contenders"]:
        cells = []
        for p in s["placements"]:
            for x in s["senders"]:
                e = data["summary"].get(f"{p}/{x}", {}).get(name, {})
                child, master = e.get("child_cpu_per_1e6"), e.get("master_cpu_per_1e6")
                cells.append("-" if child is None else f"{child:.2f} / {master:.2f}" if master is not None
                             else f"{child:.2f}")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    out += ["", f"System calls per datagram ({s['syscall_count']:,} datagrams of 100 bytes, "
            f"{f.get('syscall_counter')}; receiving processes / master):", ""]
    out.append("| contender | " + " | ".join(header) + " |")
    out.append("|---|" + "---:|" * len(header))
    for name in s["contenders"]:
        cells = []
        for p in s["placements"]:
            for x in s["senders"]:
                e = next((e for e in data["syscalls"] if e.get("contender") == name and e.get("placement") == p
                          and e.get("sender") == x), {})
                child, master = e.get("child_per_datagram"), e.get("master_per_datagram")
                if child is None:
                    cells.append("-")
                else:
                    cells.append(f"{child:.2f} / {master:.2f}" if master is not None else f"{child:.2f}")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    checked = [r for r in data["runs"] if r.get("contender") == "sink-rx" and "rate" in r]
    timed = [r for r in data["runs"] if r.get("contender") in s["contenders"]]
    served = all("rate" in r and r.get("complete") for r in timed)
    out += ["", f"Every flood's datagrams were served, by the sinks' exit summaries: {'yes' if served else 'NO'}; "
            f"sink-rx's exit summaries counted credentials on every flooded datagram in "
            f"{sum(1 for r in checked if r['count'] <= r.get('with_credentials', -1) <= r['count'] + 1)} of "
            f"{len(checked)} floods (the warm-up datagram carries them too when a child was already up).", ""]
    if data["failures"]:
        out += ["Problems: " + "; ".join(x[:200] for x in data["failures"][:10]), ""]
    out += [f"Machine: {f.get('nproc')} CPUs ({f.get('cpu')}), kernel {f.get('kernel')}, Debian {f.get('debian')}, "
            f"net.unix.max_dgram_qlen = {f.get('max_dgram_qlen')}, Postfix {f.get('postfix')}; dgram-server commit "
            f"{f.get('commit')}; load average at start {f.get('loadavg_start')}, at the end {f.get('loadavg_end')}.",
            "", RESULTS_BLOCK[1]]
    return "\n".join(out)


def replace_block(path, block):
    """replace_block - puts block in place of the file's api-cost-flood block
    (at the end when it has none); the rest of the file is kept as it is."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        text = ""
    begin, end = text.find(RESULTS_BLOCK[0]), text.find(RESULTS_BLOCK[1])
    if begin >= 0 and end > begin:
        text = text[:begin] + block + text[end + len(RESULTS_BLOCK[1]):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(text)


def read_first(path):
    try:
        with open(path) as f:
            return f.readline().strip()
    except OSError:
        return None


def command_output(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30, env=ENV).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None


def machine_facts():
    here = os.path.dirname(os.path.abspath(__file__))
    model = None
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    commit = command_output(["git", "-C", here, "describe", "--always", "--dirty", "--abbrev=12"])
    postfix = command_output(["postconf", "-d", "-h", "mail_version"])
    rsyslog = (command_output(["rsyslogd", "-v"]) or "").splitlines()
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "kernel": os.uname().release,
        "max_dgram_qlen": int(read_first("/proc/sys/net/unix/max_dgram_qlen") or 0),
        "postfix": postfix,
        "rsyslog": rsyslog[0].split()[1] if rsyslog and len(rsyslog[0].split()) > 1 else None,
        "debian": read_first("/etc/debian_version"),
        "commit": commit,
        "loadavg_start": read_first("/proc/loadavg"),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


# ---------------------------------------------------------------- entry point

def parse_args(argv):
    p = argparse.ArgumentParser(prog="flood-compare", description="datagram receivers side by side")
    p.add_argument("--build-dir", default="build-bench")
    p.add_argument("--reps", type=int, default=None, help="repetitions (default 5; --quick: 1)")
    p.add_argument("--count", type=int, default=None, help="datagrams per flood (default 1000000)")
    p.add_argument("--quick", action="store_true", help="a small smoke run: 20000 datagrams, 1 repetition")
    p.add_argument("--sizes", default="100,1000")
    p.add_argument("--senders", default="send,mmsg")
    p.add_argument("--contenders", default=",".join(ALL_CONTENDERS))
    p.add_argument("--syscall-count", type=int, default=None, help="datagrams for the system call counts "
                   "and the verification runs (default 100000)")
    p.add_argument("--latency-count", type=int, default=None, help="paced datagrams (default 5000)")
    p.add_argument("--latency-rate", type=float, default=1000.0)
    p.add_argument("--sink-variant", action="append", default=[], metavar="LABEL=WORDS",
                   help="one more dgram-sink contender (maxproc 1) with these master.cf words, "
                        "e.g. per-datagram='-o some_parameter=yes'")
    p.add_argument("--time-budget", type=float, default=0, metavar="MINUTES",
                   help="start no repetition that would end the timed floods after MINUTES (0: no limit)")
    p.add_argument("--results-dir", default=None)
    p.add_argument("--no-render", action="store_true")
    p.add_argument("--api-cost", action="store_true",
                   help="only the new API's cost: sink-1, sink-rx (receive sender+credentials), sink-2; "
                        "100 B; default 3 x 300000; see --placements")
    p.add_argument("--placements", default="spread,cpu0", help="with --api-cost: spread, cpu0 or both")
    a = p.parse_args(argv)
    # bench/flood-compare passes the command line it was given (it adds --build-dir).
    a.command = os.environ.get("FLOOD_COMPARE_COMMAND") or ("bench/flood_compare.py " + " ".join(argv)).strip()
    a.placements = a.placements.split(",")
    if any(x not in PLACEMENTS for x in a.placements):
        p.error(f"--placements takes {', '.join(PLACEMENTS)}: {','.join(a.placements)}")
    if a.api_cost:
        if a.sink_variant:
            p.error("--api-cost makes its own dgram-sink variant; leave out --sink-variant")
        a.contenders = ",".join(API_COST_CONTENDERS)
        a.sink_variant = ["=".join(API_COST_VARIANT)]
        if a.reps is None:
            a.reps = 1 if a.quick else 3
        if a.count is None:
            a.count = 20000 if a.quick else 300000
    if a.reps is None:
        a.reps = 1 if a.quick else 5
    if a.count is None:
        a.count = 20000 if a.quick else 1000000
    if a.syscall_count is None:
        a.syscall_count = min(10000 if a.quick else 100000, a.count)
    if a.latency_count is None:
        a.latency_count = 500 if a.quick else 5000
    try:
        a.sizes = [int(s) for s in a.sizes.split(",")]
    except ValueError:
        p.error("--sizes takes numbers separated by commas")
    a.senders = a.senders.split(",")
    a.contenders = a.contenders.split(",")
    bad = [s for s in a.senders if s not in ("send", "mmsg")] + \
          [c for c in a.contenders if c not in ALL_CONTENDERS]
    if bad:
        p.error(f"unknown sender or contender: {' '.join(bad)}")
    if a.reps < 1 or a.count < 1 or min(a.sizes) < 1:
        p.error("--reps, --count and --sizes must be positive")
    variants = []
    for text in a.sink_variant:
        label, sep, words = text.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_.-]+", label):
            p.error(f"--sink-variant wants LABEL=WORDS: {text}")
        variants.append((label, words))
    a.sink_variant = variants
    return a


def main(argv):
    args = parse_args(argv)
    if os.geteuid() != 0:
        print("flood-compare: the Postfix master runs as root: run as root (bench/flood-compare uses sudo)",
              file=sys.stderr)
        return 2
    here = os.path.dirname(os.path.abspath(__file__))
    results_dir = os.path.abspath(args.results_dir or os.path.join(here, "results"))
    bench = Bench(args)
    # SIGTERM/SIGINT end the run through the same clean-up as an error.
    def interrupted(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, interrupted)
    try:
        bench.setup()
        result = bench.run_api_cost() if args.api_cost else bench.run()
    finally:
        bench.teardown()
    os.makedirs(results_dir, exist_ok=True)
    stamp = result["generated"].replace(":", "").replace("-", "")
    name = f"{stamp}{'-api-cost' if args.api_cost else ''}{'-quick' if args.quick else ''}.json"
    text = json.dumps(result, indent=1) + "\n"
    # latest.json is what render_results.py draws the full comparison from.
    paths = [os.path.join(results_dir, name)] + ([] if args.api_cost else [os.path.join(results_dir, "latest.json")])
    for path in paths:
        with open(path, "w") as f:
            f.write(text)
    say(f"results: {' and '.join(paths)}, {result['duration_s']} s")
    if args.api_cost and not args.no_render:
        replace_block(os.path.join(here, "RESULTS.md"), render_api_cost(result))
        say(f"wrote the api-cost-flood block of {os.path.join(here, 'RESULTS.md')}")
    elif not args.no_render:
        subprocess.run([sys.executable, os.path.join(here, "render_results.py"),
                        os.path.join(results_dir, "latest.json")], check=False)
    if result["failures"]:
        say(f"{len(result['failures'])} problems:")
        for line in result["failures"]:
            print("  " + line[:500])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
