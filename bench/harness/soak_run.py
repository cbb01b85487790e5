#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""soak_run - sequenced datagrams through a churning, reloading, SIGTERMed master.

SUMMARY
    bench/harness/soak_run.py --build-dir DIR [--count N] [--size S] [--senders N] [--chunk N] [--mmsg]
        [--max-use N] [--maxproc N] [--reload-interval SEC] [--kill-interval SEC]
        [--send-timeout SEC] [--drain-timeout SEC] [--time-limit SEC]
        [--throttle-time SEC] [--postlog postlogd|dgram-logd] [--kill-signal TERM|KILL]
        [--seed N] [--json] [--keep]
    (bench/soak installs and builds, then runs this.)

DESCRIPTION
    Starts a private Postfix master in a temporary folder under /tmp (its own
    main.cf, master.cf, queue and daemon directory, laid out by
    tools/postfix-instance (floodlib.instance); never /etc/postfix nor the system
    instance) with one service, dgram-sink with max_use = --max-use (default
    1000) and maxproc = --maxproc (default 4), checking sequence numbers and
    appending its exit summary to a summary file.

    --senders dgram-flood processes (default 1) send --count datagrams
    (default 1,000,000) between them, numbered with --sequence in disjoint
    ranges, --chunk (default 50,000) per dgram-flood run. While they send:

      every --reload-interval seconds (default 3) the master gets SIGHUP (what
        `postfix reload` does): every child is told to finish and a new
        generation starts;
      every --kill-interval seconds (default 1) one dgram-sink child of our
        master, picked at random, gets SIGTERM (through a pidfd, after checking
        that it is still our master's dgram-sink child, so a recycled PID is
        never hit). --kill-signal KILL sends SIGKILL instead: a child then
        leaves no summary, and what it served counts as lost (a check that
        the harness sees losses).

    A sender never hangs: dgram-flood gives up after --send-timeout seconds
    (default 90, longer than Postfix's 60 s throttle) without progress; the
    harness then starts another one for the rest of its range (its stderr
    says how many it sent), until --time-limit (default 1800 s) has passed;
    a dgram-flood still running --send-timeout + 30 s after that limit is
    stopped by its PID, and its chunk is counted as uncertain. A child
    SIGTERMed before it reports TAKEN makes the master throttle the service
    (service_throttle_time, 60 s; --throttle-time sets it in the private
    main.cf), which these bounds outlast.

    Afterwards the chaos stops, the socket's queue is let drain (at most
    --drain-timeout s), the children are retired with one more SIGHUP, and
    every child's summary is merged: the seq_runs of all children are
    swept together against the ranges the senders reported as sent.

      lost        numbers sent that no child reported
      duplicated  reports beyond the first of a number (across or within
                  children)
      unexpected  numbers reported that no sender claims (should be 0)

    Also reported: the children that ran (PIDs seen under the master, in
    summaries and in the master's maillog lines), the ones SIGTERMed and how
    many of those still wrote a summary, the reloads sent and the ones the
    master logged, each kind of master complaint in maillog (bad command
    startup, throttling, partial or ignored status updates, killed by signal,
    exit status, fatal, panic, other warnings) with example lines, sender
    stalls, and the wall time. maillog is written by Postfix's own postlogd
    unless --postlog dgram-logd. Sanitizer lines in master.out (the
    children's stderr) fail the run, for a build with -Db_sanitize.

DIAGNOSTICS
    One JSON object on stdout with --json (the progress lines go to stderr),
    else readable lines on stdout. Exit status 0 only when every datagram was
    sent and lost = 0, duplicated = 0 and unexpected = 0; 1 otherwise (the
    reasons are listed under "failures"); 2 for a bad command line, a missing
    program or not being root. Everything started here is stopped by its
    process id and the temporary folder is removed, also on failure.
"""

import argparse
import datetime
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from floodlib.instance import PostfixInstance  # noqa: E402
from floodlib.report import machine_facts  # noqa: E402
from floodlib.system import (ENV, MASTER, POSTLOGD, alive, proc_stat, queue_length, service_of,  # noqa: E402
                             socket_inode, stop_process, wait_until)
from soak_ledger import account, parse_runs  # noqa: E402

SERVICE = "soak"
TICKS = os.sysconf("SC_CLK_TCK")
# What the master (or a child) says in maillog when something went wrong, by kind.
COMPLAINTS = [
    ("bad_command_startup", "bad command startup"),
    ("throttling", "throttling"),
    ("partial_status_update", "partial status update"),
    ("ignoring_status_update", "ignoring status update"),
    ("killed_by_signal", "killed by signal"),
    ("exit_status", "exit status"),
    ("fatal", "fatal:"),
    ("panic", "panic:"),
]


class Output:
    """Progress lines: stdout, or stderr when stdout carries the JSON."""

    def __init__(self, json_mode):
        self.stream = sys.stderr if json_mode else sys.stdout

    def say(self, text):
        print(f"soak: {text}", file=self.stream, flush=True)


# ---------------------------------------------------------------- the master's children

def child_pids(master_pid):
    """child_pids - the master's children, from /proc/PID/task/PID/children (one read)."""
    try:
        with open(f"/proc/{master_pid}/task/{master_pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def uptime_ticks():
    with open("/proc/uptime") as f:
        return float(f.read().split()[0]) * TICKS


def signal_child(pid, master_pid, signum):
    """signal_child - signum to pid if it is still a live dgram-sink child of
    our master; returns its age in ms, or None when it was not (any more).

    The pidfd is opened first and the process checked after: if the PID was
    recycled in between, the pidfd names the old, dead process and the signal
    fails rather than reach a stranger."""
    try:
        fd = os.pidfd_open(pid)
    except (ProcessLookupError, OSError):
        return None
    try:
        facts = proc_stat(pid)
        if facts is None or facts["ppid"] != master_pid or facts["state"] == "Z" or service_of(pid) != SERVICE:
            return None
        age_ms = (uptime_ticks() - facts["starttime"]) * 1000.0 / TICKS
        signal.pidfd_send_signal(fd, signum)
        return max(age_ms, 0.0)
    except ProcessLookupError:
        return None
    finally:
        os.close(fd)


# ---------------------------------------------------------------- senders

class SenderRange(threading.Thread):
    """One range of sequence numbers, sent by as many dgram-flood runs as it takes.

    A run sends at most --chunk datagrams, so that a run stopped by PID (whose
    count is then unknown) leaves only that many numbers uncertain. Each run
    has --timeout (a stall ends it with "N of M datagrams sent");
    the next starts where it stopped. No run starts after the deadline, and
    a run still going at deadline + send_timeout + 30 s is stopped by PID;
    what it sent is then unknown (an uncertain range)."""

    def __init__(self, soak, first, count):
        super().__init__(daemon=True)
        self.soak = soak
        self.first = first
        self.count = count
        self.sent_ranges = []
        self.uncertain = []
        self.stalls = []
        self.floods = 0
        self.errors = []
        self.proc = None

    def run(self):
        a = self.soak.args
        next_number, left = self.first, self.count
        while left > 0 and time.monotonic() < self.soak.deadline:
            n = min(left, a.chunk) if a.chunk else left
            argv = [self.soak.programs["flood"], "-n", str(n), "-s", str(a.size), "--sequence", "--first",
                    str(next_number), "--quiet", "--json", "--timeout", str(a.send_timeout)]
            if a.mmsg:
                argv.append("--mmsg")
            argv.append(self.soak.master.socket(SERVICE))
            self.floods += 1
            self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                         stdin=subprocess.DEVNULL, env=ENV)
            limit = self.soak.deadline - time.monotonic() + a.send_timeout + 30
            try:
                out, err = self.proc.communicate(timeout=max(limit, 1))
            except subprocess.TimeoutExpired:
                stop_process(self.proc.pid, "dgram-flood", 5)
                self.proc.communicate()
                self.uncertain.append((next_number, next_number + n - 1))
                self.errors.append(f"dgram-flood from {next_number} still sending after the time limit: stopped "
                                   f"by its PID; what it sent of {n} is not known")
                self.proc = None
                return
            status = self.proc.returncode
            self.proc = None
            sent = None
            if status == 0:
                try:
                    sent = int(json.loads(out.strip().splitlines()[-1])["sent"])
                except (ValueError, KeyError, IndexError) as e:
                    self.errors.append(f"dgram-flood from {next_number}: unreadable report {out!r}: {e}")
            else:
                m = re.search(r"(\d+) of (\d+) datagrams sent", err)
                if m:
                    sent = int(m.group(1))
                    if "timed out" in err:
                        self.stalls.append({"at_s": round(time.monotonic() - self.soak.began, 1),
                                            "first": next_number, "sent": sent, "line": err.strip()[:300]})
                    else:
                        self.errors.append(f"dgram-flood from {next_number} exited {status}: {err.strip()[:300]}")
                else:
                    self.errors.append(f"dgram-flood from {next_number} exited {status}: {err.strip()[:300]}")
            if sent is None:
                self.uncertain.append((next_number, next_number + n - 1))
                return
            if sent > 0:
                self.sent_ranges.append((next_number, next_number + sent - 1))
            next_number += sent
            left -= sent
        if left > 0:
            self.errors.append(f"time limit ({a.time_limit:g} s) reached with {left} datagrams of the range "
                               f"from {self.first} unsent")

    def stop(self):
        proc = self.proc
        if proc is not None:
            stop_process(proc.pid, "dgram-flood", 5)


# ---------------------------------------------------------------- the soak

def programs_in(build_dir):
    """programs_in - the built programs the soak runs, by role."""
    build = os.path.abspath(build_dir)
    return {"flood": f"{build}/tools/dgram-flood", "sink": f"{build}/tools/dgram-sink",
            "logd": f"{build}/tools/dgram-logd"}


class Soak:
    """One soak run. Owns the temporary folder, the private master (through
    floodlib.instance.PostfixInstance) and the sender threads; the main thread
    polls the master's children and sends the SIGHUPs and SIGTERMs
    (chaos()), then drains, retires and adds up (run())."""

    def __init__(self, args, out):
        self.args = args
        self.out = out
        self.programs = programs_in(args.build_dir)
        postlog_program = POSTLOGD if args.postlog == "postlogd" else self.programs["logd"]
        self.root = tempfile.mkdtemp(prefix="dgram-soak.", dir="/tmp")
        os.chmod(self.root, 0o755)
        self.postlog_program = postlog_program
        self.master = None
        self.senders = []
        self.rng = random.Random(args.seed)
        self.seen = {}            # pid -> service, every child of the master seen
        self.killed = {}          # pid -> age in ms when SIGTERM was sent
        self.kill_misses = 0      # picks that were gone (or not ours any more) by the time of the signal
        self.kill_no_child = 0    # kill times when no dgram-sink child was running
        self.reloads = 0
        self.inode = None
        self.failures = []

    # -- set-up and tear-down

    def setup(self):
        a = self.args
        p = self.root + "/postfix"
        self.summary_file = f"{p}/log/{SERVICE}.summary"
        services = [
            f"postlog unix-dgram n - n - 1 {os.path.basename(self.postlog_program)}",
            f"{SERVICE} unix-dgram n - n - {a.maxproc} dgram-sink -o max_use={a.max_use} "
            f"-o dgram_sink_check_sequence=yes -o dgram_sink_summary_file={self.summary_file}",
        ]
        extra = f"service_throttle_time = {a.throttle_time}s\n" if a.throttle_time is not None else ""
        self.master = PostfixInstance(p, [self.programs["sink"], self.postlog_program], services, extra)
        self.out.say(f"private Postfix instance in {self.root}")
        self.master.start()
        self.inode = self.listen_inode()

    def listen_inode(self):
        """listen_inode - the inode of the service's socket, which the master holds
        (bound as public/NAME, relative to the queue directory, so ss shows that
        name: the inode tells it from another instance's socket of the same name)."""
        mine = set()
        try:
            for fd in os.listdir(f"/proc/{self.master.pid}/fd"):
                inode = socket_inode(self.master.pid, fd)
                if inode:
                    mine.add(inode)
        except OSError:
            return None
        out = subprocess.run(["ss", "-x", "-a", "-n"], capture_output=True, text=True, env=ENV).stdout
        for fields in (line.split() for line in out.splitlines()[1:]):
            if len(fields) > 5 and fields[4] == f"public/{SERVICE}" and fields[5].isdigit() \
                    and int(fields[5]) in mine:
                return int(fields[5])
        return None

    def teardown(self):
        for sender in self.senders:
            sender.stop()
        if self.master and self.master.pid is not None:
            # tools/postfix-instance's stop: the master by its pid, then its children's end.
            self.master.stop()
        if self.args.keep:
            self.out.say(f"kept {self.root}")
        else:
            shutil.rmtree(self.root, ignore_errors=True)

    # -- watching and disturbing the master

    def poll_children(self):
        pids = child_pids(self.master.pid)
        for pid in pids:
            if pid not in self.seen:
                service = service_of(pid)
                if service == "master":
                    continue   # forked, not yet exec'd: looked at again next time
                self.seen[pid] = service
                if self.inode is None and service == SERVICE:
                    self.inode = socket_inode(pid, 6)
        return [pid for pid in pids if self.seen.get(pid) == SERVICE]

    def kill_one(self, sinks):
        if not sinks:
            self.kill_no_child += 1
            return
        pid = self.rng.choice(sinks)
        age = signal_child(pid, self.master.pid, self.args.kill_signal)
        if age is None:
            self.kill_misses += 1
        else:
            self.killed[pid] = age

    def reload(self):
        os.kill(self.master.pid, signal.SIGHUP)
        self.reloads += 1

    def queue(self):
        """What waits on the service's socket (the master keeps one socket across reloads)."""
        if self.inode is None:
            return None
        return queue_length(self.inode)

    def chaos(self):
        """While any sender runs: poll the children, reload and SIGTERM on schedule."""
        a = self.args
        now = time.monotonic()
        next_reload = now + a.reload_interval if a.reload_interval > 0 else None
        next_kill = now + a.kill_interval if a.kill_interval > 0 else None
        next_progress = now + 15
        while any(s.is_alive() for s in self.senders):
            sinks = self.poll_children()
            now = time.monotonic()
            if next_kill is not None and now >= next_kill:
                self.kill_one(sinks)
                next_kill += a.kill_interval
            if next_reload is not None and now >= next_reload:
                self.reload()
                next_reload += a.reload_interval
            if now >= next_progress:
                self.out.say(f"{now - self.began:6.0f} s: {self.summary_lines()} summaries, "
                             f"{len(self.killed)} {a.kill_signal.name}ed, {self.reloads} reloads, "
                             f"{sum(s.floods for s in self.senders)} floods, "
                             f"{sum(len(s.stalls) for s in self.senders)} stalls, "
                             f"{self.throttles()} throttlings")
                next_progress += 15
            time.sleep(0.005)

    def throttles(self):
        return sum(1 for line in self.maillog() if "throttling" in line)

    def summary_lines(self):
        try:
            with open(self.summary_file, "rb") as f:
                return f.read().count(b"\n")
        except OSError:
            return 0

    # -- the end: drain, retire, read

    def drain_and_retire(self):
        a = self.args
        drained = wait_until(lambda: (self.poll_children() or True) and self.queue() == 0, a.drain_timeout, 0.05)
        left = self.queue()
        if not drained:
            self.failures.append(f"the socket did not drain within {a.drain_timeout:g} s ({left} datagrams queued)")
        before = self.poll_children()
        self.reload()
        if not wait_until(lambda: not any(alive(p) for p in before), 30, 0.02):
            self.failures.append(f"dgram-sink children {[p for p in before if alive(p)]} still there 30 s after "
                                 "the last SIGHUP")
        # The loggers write behind their socket: wait until maillog stops growing.
        size = [-1]

        def settled():
            now = os.path.getsize(f"{self.master.log}/maillog") if os.path.exists(f"{self.master.log}/maillog") \
                else 0
            same = now == size[0]
            size[0] = now
            return same
        wait_until(settled, 10, 0.5)
        return left

    def summaries(self):
        reports = []
        try:
            with open(self.summary_file, errors="replace") as f:
                for n, line in enumerate(f, 1):
                    words = dict(w.split("=", 1) for w in line.split() if "=" in w)
                    if "pid" not in words:
                        self.failures.append(f"{self.summary_file}:{n}: not a summary: {line[:200]!r}")
                        continue
                    reports.append(words)
        except OSError as e:
            self.failures.append(f"cannot read {self.summary_file}: {e}")
        return reports

    def sanitizer_reports(self):
        """Lines of master.out (the master's and its children's stderr) where a
        sanitizer speaks: a build with -Db_sanitize=address,undefined."""
        try:
            with open(f"{self.master.log}/master.out", errors="replace") as f:
                return [line for line in f.read().splitlines()
                        if "Sanitizer" in line or "runtime error:" in line]
        except OSError:
            return []

    def maillog(self):
        try:
            with open(f"{self.master.log}/maillog", errors="replace") as f:
                return f.read().splitlines()
        except OSError:
            return []

    # -- the whole run

    def run(self):
        a = self.args
        self.began = time.monotonic()
        self.deadline = self.began + a.time_limit
        facts = machine_facts()
        share, extra = divmod(a.count, a.senders)
        first = 0
        for i in range(a.senders):
            n = share + (1 if i < extra else 0)
            self.senders.append(SenderRange(self, first, n))
            first += n
        self.out.say(f"{a.count} datagrams of {a.size} bytes from {a.senders} sender(s); max_use {a.max_use}, "
                     f"maxproc {a.maxproc}; SIGHUP every {a.reload_interval:g} s, {a.kill_signal.name} to a "
                     f"child every {a.kill_interval:g} s")
        for sender in self.senders:
            sender.start()
        self.chaos()
        for sender in self.senders:
            sender.join()
        sent_s = time.monotonic() - self.began
        self.out.say(f"senders done after {sent_s:.1f} s; draining")
        left = self.drain_and_retire()
        wall = time.monotonic() - self.began
        reports = self.summaries()
        log = self.maillog()
        sanitizer = self.sanitizer_reports()
        if sanitizer:
            self.failures.append(f"{len(sanitizer)} sanitizer lines in master.out, e.g. {sanitizer[0][:200]}")

        runs, bad_runs = [], 0
        for r in reports:
            try:
                runs.extend(parse_runs(r.get("seq_runs")))
            except ValueError as e:
                bad_runs += 1
                self.failures.append(f"summary of pid {r.get('pid')}: {e}")
        sent_ranges = [rg for s in self.senders for rg in s.sent_ranges]
        uncertain = [rg for s in self.senders for rg in s.uncertain]
        ledger = account(runs, sent_ranges, uncertain)

        summary_pids = {int(r["pid"]) for r in reports if r["pid"].isdigit()}
        sink_path = f"{self.master.root}/libexec/dgram-sink"
        log_pids = set()
        for line in log:
            m = re.search(r"process (\S+) pid (\d+) ", line)
            if m and m.group(1) == sink_path:
                log_pids.add(int(m.group(2)))
        seen_sinks = {p for p, s in self.seen.items() if s == SERVICE}
        ran = seen_sinks | summary_pids | log_pids | set(self.killed)
        killed_with_summary = sum(1 for p in self.killed if p in summary_pids)
        ages = sorted(self.killed.values())
        ages_unreported = sorted(age for p, age in self.killed.items() if p not in summary_pids)

        complaints = {key: 0 for key, _ in COMPLAINTS}
        complaints["other_warnings"] = 0
        examples = {}
        for line in log:
            hit = False
            for key, text in COMPLAINTS:
                if text in line:
                    complaints[key] += 1
                    examples.setdefault(key, line[:300])
                    hit = True
            if not hit and "warning:" in line:
                complaints["other_warnings"] += 1
                examples.setdefault("other_warnings", line[:300])
        reloads_logged = sum(1 for line in log if "reload -- version" in line)

        served = sum(int(r.get("datagrams", 0)) for r in reports)
        malformed = sum(int(r.get("seq_malformed", 0)) for r in reports)
        stalls = [st for s in self.senders for st in s.stalls]
        for s in self.senders:
            self.failures.extend(s.errors)
        if ledger["sent"] != a.count:
            self.failures.append(f"{ledger['sent']} of {a.count} datagrams were sent")
        for key in ("lost", "duplicated", "unexpected"):
            if ledger[key]:
                self.failures.append(f"{key}: {ledger[key]}")
        if malformed:
            self.failures.append(f"{malformed} datagrams without a sequence number")
        if served != ledger["reported"] + malformed:
            self.failures.append(f"the summaries say datagrams={served} but their seq_runs cover "
                                 f"{ledger['reported']} (+{malformed} malformed)")

        return {
            "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": a.command,
            "settings": {"count": a.count, "size": a.size, "senders": a.senders, "mmsg": a.mmsg,
                         "chunk": a.chunk, "max_use": a.max_use, "maxproc": a.maxproc,
                         "reload_interval_s": a.reload_interval,
                         "kill_interval_s": a.kill_interval, "send_timeout_s": a.send_timeout,
                         "drain_timeout_s": a.drain_timeout, "time_limit_s": a.time_limit,
                         "throttle_time_s": a.throttle_time, "postlog": a.postlog,
                         "kill_signal": a.kill_signal.name, "seed": a.seed},
            "facts": facts,
            "wall_s": round(wall, 1),
            "send_s": round(sent_s, 1),
            "datagrams_per_s": round(ledger["sent"] / sent_s, 1) if sent_s > 0 else None,
            "sent": ledger["sent"],
            "received": ledger["received"],
            "lost": ledger["lost"],
            "lost_ranges": ledger["lost_ranges"],
            "duplicated": ledger["duplicated"],
            "unexpected": ledger["unexpected"],
            "uncertain": sum(h - l + 1 for l, h in uncertain),
            "left_in_queue": left,
            "served": served,
            "children": {
                "ran": len(ran),
                "summaries": len(reports),
                "seen_running": len(seen_sinks),
                "in_maillog_abnormal_exit": len(log_pids),
                # Died of a signal (or exited non-zero) after writing a summary: nothing lost, but the
                # master saw an abnormal exit.
                "abnormal_exit_after_summary": sorted(log_pids & summary_pids)[:20],
                "without_summary": len(ran - summary_pids),
                "sigtermed": len(self.killed),
                "sigtermed_with_summary": killed_with_summary,
                "sigtermed_without_summary": len(self.killed) - killed_with_summary,
                "sigterm_age_ms": {"min": round(ages[0], 1), "median": round(ages[len(ages) // 2], 1),
                                   "max": round(ages[-1], 1)} if ages else None,
                "sigterm_without_summary_age_ms": {"min": round(ages_unreported[0], 1),
                                                   "median": round(ages_unreported[len(ages_unreported) // 2], 1),
                                                   "max": round(ages_unreported[-1], 1)} if ages_unreported else None,
                "sigterm_gone_before_signal": self.kill_misses,
                "sigterm_no_child_running": self.kill_no_child,
            },
            # Both counts include the last SIGHUP, which retires the children at the end.
            "reloads": {"sent": self.reloads, "logged": reloads_logged},
            "senders": {"floods": sum(s.floods for s in self.senders), "stalls": len(stalls),
                        "stall_details": stalls[:20]},
            "master_complaints": complaints,
            "complaint_examples": examples,
            "sanitizer_lines": sanitizer[:20],
            "failures": self.failures,
        }


# ---------------------------------------------------------------- entry point

def positive(kind):
    def convert(text):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text!r}")
        return value
    return convert


def non_negative(text):
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text!r}")
    return value


def parse_args(argv):
    p = argparse.ArgumentParser(prog="soak", description="sequenced datagrams through a churning, reloading, "
                                "SIGTERMed Postfix master; lost and duplicated datagrams")
    p.add_argument("--build-dir", default="build-bench")
    p.add_argument("--count", type=positive(int), default=1000000, help="datagrams in all (default 1000000)")
    p.add_argument("--size", type=int, default=100, help="bytes per datagram, at least 13 (default 100)")
    p.add_argument("--senders", type=positive(int), default=1, help="dgram-flood processes (default 1)")
    p.add_argument("--mmsg", action="store_true", help="send with sendmmsg(2)")
    p.add_argument("--chunk", type=int, default=50000,
                   help="datagrams per dgram-flood run, 0: the whole range in one (default 50000)")
    p.add_argument("--max-use", type=positive(int), default=1000, help="dgram-sink's max_use (default 1000)")
    p.add_argument("--maxproc", type=positive(int), default=4, help="dgram-sink's process limit (default 4)")
    p.add_argument("--reload-interval", type=non_negative, default=3.0,
                   help="seconds between SIGHUPs to the master, 0: none (default 3)")
    p.add_argument("--kill-interval", type=non_negative, default=1.0,
                   help="seconds between SIGTERMs to a random child, 0: none (default 1)")
    p.add_argument("--send-timeout", type=positive(float), default=90.0,
                   help="a dgram-flood gives up after this many seconds without progress (default 90)")
    p.add_argument("--drain-timeout", type=positive(float), default=120.0,
                   help="seconds to wait for the queue to drain after sending (default 120)")
    p.add_argument("--time-limit", type=positive(float), default=1800.0,
                   help="no dgram-flood is started after this many seconds (default 1800)")
    p.add_argument("--throttle-time", type=positive(int), default=None,
                   help="main.cf service_throttle_time in seconds (default: Postfix's, 60)")
    p.add_argument("--postlog", choices=["postlogd", "dgram-logd"], default="postlogd",
                   help="the postlog service that writes maillog (default Postfix's postlogd)")
    p.add_argument("--kill-signal", choices=["TERM", "KILL"], default="TERM",
                   help="what the children get (default TERM; KILL loses what a child served, "
                        "to see the harness count losses)")
    p.add_argument("--seed", type=int, default=1, help="seed for picking the child to SIGTERM (default 1)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument("--keep", action="store_true", help="leave the temporary folder (logs, summaries) behind")
    a = p.parse_args(argv)
    if a.size < 13:
        p.error(f"--size {a.size}: --sequence needs at least 13 bytes")
    if a.chunk < 0:
        p.error(f"--chunk {a.chunk}: must not be negative")
    if a.senders > a.count:
        p.error(f"--senders {a.senders} is more than --count {a.count}")
    a.kill_signal = signal.Signals["SIG" + a.kill_signal]
    a.command = os.environ.get("SOAK_COMMAND") or ("bench/harness/soak_run.py " + " ".join(argv)).strip()
    return a


def print_human(result, out):
    c = result["children"]
    print(f"sent {result['sent']}, received {result['received']}, lost {result['lost']}, "
          f"duplicated {result['duplicated']}, unexpected {result['unexpected']}")
    print(f"wall {result['wall_s']} s (sending {result['send_s']} s, {result['datagrams_per_s']}/s)")
    signalled = result["settings"]["kill_signal"] + "ed"
    print(f"children: {c['ran']} ran, {c['summaries']} summaries, {c['sigtermed']} {signalled} "
          f"({c['sigtermed_with_summary']} with a summary, {c['sigtermed_without_summary']} without), "
          f"{c['without_summary']} ran without a summary, {len(c['abnormal_exit_after_summary'])} died of a "
          "signal after writing it")
    if result["lost_ranges"]:
        print("lost: " + ", ".join(f"{low}-{high}" for low, high in result["lost_ranges"]))
    print(f"reloads: {result['reloads']['sent']} sent, {result['reloads']['logged']} logged by the master")
    if result["uncertain"]:
        print(f"uncertain: {result['uncertain']} numbers a stopped dgram-flood may or may not have sent")
    print(f"senders: {result['senders']['floods']} dgram-flood runs, {result['senders']['stalls']} stalls")
    print("master complaints: " + ", ".join(f"{k} {v}" for k, v in result["master_complaints"].items()))
    for key, line in result["complaint_examples"].items():
        print(f"  e.g. {key}: {line}")


def main(argv):
    args = parse_args(argv)
    out = Output(args.json)
    if os.geteuid() != 0:
        print("soak: the Postfix master runs as root: run as root (bench/soak uses sudo)", file=sys.stderr)
        return 2
    missing = [p for p in [*programs_in(args.build_dir).values(), MASTER, POSTLOGD] if not os.access(p, os.X_OK)]
    if missing:
        print(f"soak: missing programs: {' '.join(missing)} (bench/soak builds them)", file=sys.stderr)
        return 2
    soak = Soak(args, out)

    def interrupted(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, interrupted)
    try:
        soak.setup()
        result = soak.run()
    finally:
        soak.teardown()
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print_human(result, out)
    if result["failures"]:
        out.say(f"{len(result['failures'])} problems:")
        for line in result["failures"]:
            print("  " + line[:500], file=out.stream)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
