# SPDX-License-Identifier: MIT
"""measure - how one measurement is made: a flood, a timed run, system calls, loggers, latency.

DESCRIPTION
    Measure holds what every measurement needs (the built programs, the
    temporary folder, the private master and rsyslogd, the contenders) and
    two settings the runs change: cpus (the placement: None is the
    scheduler's choice, else the sender runs under taskset on those CPUs)
    and tool (perf or strace, for the system call counts).

      flood           dgram-flood COUNT datagrams of SIZE with send(2) or
                      sendmmsg(2) at a socket; its start, end and JSON report
      timed_run       prepare, flood, drained, finish: one entry of "runs";
                      dgram-flood measures (the span to the drain, or to
                      rsyslogd's last CPU growth with --settle; the receivers'
                      and the master's CPU and context switches), the
                      contender proves the count
      count_syscalls  the same flood under perf stat --per-thread -a (strace
                      -c -f -p when perf cannot): calls per datagram of the
                      receiving processes and of the master
      verify_logger   a logger writes a real file; its lines are counted
      latency         dgram-flood --stamp paces datagrams that carry the time
                      they were due; the receivers' delays, p50/p99/p99.9/max
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

from .contenders import CONTENDERS, LATENCY, MasterContender, RawContender, service as service_named
from .system import payload, queue_length, stop_process, wait_until


def flood_measured(report, count):
    """flood_measured - what dgram-flood's report says of the receivers and the master:
    seconds (timed until drained or settled), rate, CPU and context switches."""
    receivers, master = report.get("receivers") or {}, report.get("master") or {}
    seconds = report.get("seconds")
    return {"seconds": seconds, "rate": round(count / seconds, 1) if seconds else None,
            "timed_until": report.get("timed_until"),
            "child_cpu": receivers.get("cpu_seconds"), "child_ctx": receivers.get("ctx_switches"),
            "master_cpu": master.get("cpu_seconds"), "master_ctx": master.get("ctx_switches"),
            "late_children": len(receivers.get("late_pids", [])),
            "exited_children": len(receivers.get("exited_pids", []))}


def sender_kind(sender):
    """sender_kind - "send", "mmsg", "send4", "mmsg4": the call and how many sending processes."""
    kind = sender.rstrip("0123456789")
    return kind, int(sender[len(kind):] or 1)


class Measure:
    def __init__(self, programs, root, master, rsyslog, contenders):
        self.programs = programs
        self.root = root
        self.master = master
        self.rsyslog = rsyslog
        self.contenders = contenders
        self.cpus = None    # the CPUs of the current placement; None: all
        self.tool = None    # the system call counter: perf, strace or None

    def placed(self, argv):
        """placed - argv under taskset on the placement's CPUs (as it is for "spread")."""
        if self.cpus is None:
            return argv
        return ["taskset", "-c", ",".join(str(c) for c in sorted(self.cpus))] + argv

    # -- one flood

    def flood(self, path, count, size, sender, timeout, usage=(), rate=0):
        """flood - dgram-flood; usage: its options that name the receivers to measure
        (Contender.usage_options), which also make it wait for the drain; rate: the
        total of all senders, datagrams/s (0: as fast as they can)."""
        argv = [self.programs["flood"], "-n", str(count), "-s", str(size), "--quiet", "--json", "--timeout", "30"]
        argv += list(usage)
        if rate:
            argv += ["--rate", str(rate)]
        kind, senders = sender_kind(sender)
        if kind == "mmsg":
            argv.append("--mmsg")
        if senders > 1:
            argv += ["--senders", str(senders)]
        argv.append(path)
        argv = self.placed(argv)
        start = time.monotonic()
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        end = time.monotonic()
        report = json.loads(p.stdout.strip().splitlines()[-1]) if p.stdout.strip() else {}
        if p.returncode != 0:
            raise RuntimeError(f"dgram-flood exited {p.returncode}: {p.stderr.strip()}")
        return start, end, report

    def timed_run(self, contender, count, size, sender, rep, rate=0):
        """timed_run - one entry of "runs": the span, the receivers' and the master's CPU and
        context switches are dgram-flood's (flood_measured); the contender adds what proves
        the count (the sink's exit summaries, the raw receiver's report). The flood is as fast
        as the senders can, or paced at rate (the total of all senders) when rate is not 0."""
        timeout = max(120.0, count / 2000.0, count / rate + 60 if rate else 0)
        contender.prepare(count, size)
        start, sent_at, report = self.flood(contender.socket(), count, size, sender, timeout,
                                            contender.usage_options(), rate)
        contender.drained(timeout)
        result = contender.finish(count)
        measured = flood_measured(report, count)
        seconds = measured["seconds"]
        run = {"rep": rep, "contender": contender.name, "size": size, "sender": sender, "count": count,
               "seconds": round(seconds, 6), "rate": round(count / seconds, 1), "timed_until": measured["timed_until"],
               "sender_seconds": round(sent_at - start, 6), "sender_rate": report.get("datagrams_per_second"),
               "send_wait_us": report.get("send_wait_us")}
        for key in ("child_cpu", "child_ctx", "master_cpu", "master_ctx"):
            run[key] = measured[key]
        if measured["late_children"]:
            run["late_children"] = measured["late_children"]
        run.update({k: (round(v, 6) if isinstance(v, float) else v) for k, v in result.items()})
        for key, per in (("child_ctx", "ctx_per_datagram"), ("master_ctx", "master_ctx_per_datagram")):
            if run.get(key) is not None:
                run[per] = round(run[key] / count, 4)
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
        if contender.warm_flood:
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
            self.flood(contender.socket(), count, size, sender, max(120.0, count / 1000.0),
                       contender.usage_options())
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
        daemon = getattr(self.contenders.get(name), "daemon", None)   # rsyslogd, syslog-ng
        if daemon is not None:
            path, target = daemon.verify_socket, daemon.verify_file
        else:
            service = next(row.verify for row in CONTENDERS if row.name == name)
            path = self.master.socket(service)
            target = f"{self.master.log}/{service}.verify"
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
                    (queue_length(path) if daemon is not None else probe.queue()) == 0:
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

    def stamped(self, count, rate, size, path):
        """stamped - dgram-flood sending COUNT datagrams paced to RATE, each stamped with the
        time it was due (--stamp), with its JSON report."""
        return [self.programs["flood"], "--stamp", "--rate", str(rate), "-n", str(count), "-s", str(size),
                "--drain", "--quiet", "--json", "--timeout", "30", path]

    def latency(self, receiver, count, rate, size):
        if receiver == "raw":
            raw = self.contenders["raw-recvmmsg"]
            raw.prepare(count, size, latency=True)
            p = subprocess.run(self.placed(self.stamped(count, rate, size, raw.path)), capture_output=True,
                               text=True, timeout=count / rate + 60)
            raw.drained(30)
            fields = dict(w.split("=", 1) for w in raw.report.get("latency", "").split())
            label = "raw-receiver (recvmmsg, MSG_WAITFORONE)"
        else:
            service = LATENCY[receiver][0]
            report, samples = f"{self.master.log}/{service}.report", f"{self.master.log}/{service}.samples"
            offsets = [os.path.getsize(f) if os.path.exists(f) else 0 for f in (report, samples)]
            contender = MasterContender(receiver, receiver, self.master, service)
            contender.prepare(count, size, warmup=b"w")   # too short to carry a stamp: not a delay
            p = subprocess.run(self.placed(self.stamped(count, rate, size, contender.socket())),
                               capture_output=True, text=True, timeout=count / rate + 60)
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
            label = f"dgram-sink (latency mode) under the master, maxproc {service_named(service).maxproc}"
        if p.returncode != 0:
            raise RuntimeError(f"dgram-flood --stamp exited {p.returncode}: {p.stderr.strip()}")
        sent = json.loads(p.stdout.strip().splitlines()[-1]) if p.stdout.strip() else {}
        entry = {"receiver": receiver, "label": label, "rate": rate, "size": size, "sent": sent.get("sent"),
                 "achieved_rate": sent.get("datagrams_per_second"), "late_sends": sent.get("late_sends")}
        for key in ("count", "malformed", "children"):
            if key in fields:
                entry[key] = int(fields[key])
        for key in ("min_us", "p50_us", "p99_us", "p999_us", "max_us"):
            if key in fields:
                entry[key] = float(fields[key])
        return entry
