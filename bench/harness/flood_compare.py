#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""flood_compare - datagram receivers side by side on the same flood.

SUMMARY
    bench/harness/flood_compare.py --build-dir DIR [--reps N] [--count N] [--quick]
        [--sizes 100,1000] [--senders send,mmsg,send4,...] [--contenders a,b,...]
        [--syscall-count N] [--latency-count N] [--latency-rate R]
        [--sink-variant LABEL=WORDS]... [--placements spread,cpu0] [--qlens machine,512]
        [--service LABEL[:MAXPROC]=PROGRAM [ARGS...]]... [--time-budget MINUTES]
        [--results-dir DIR] [--no-render]
    bench/harness/flood_compare.py --build-dir DIR --api-cost [--reps N] [--count N]
        [--senders send,mmsg] [--placements spread,cpu0]
    bench/harness/flood_compare.py --build-dir DIR --curves [--quick] [--reps N] [--count N]
        [--qlens machine,512] [--placements spread,cpu0] [--contenders a,b,...]
    (bench/flood-compare installs and builds, then runs this.)

DESCRIPTION
    Starts, in one temporary folder under /tmp, a private Postfix instance
    (its own main.cf, master.cf, queue and daemon directory; never
    /etc/postfix nor /var/spool/postfix), a private rsyslogd and a private
    syslog-ng (each with its own configuration, sockets, work or persist
    file and pid file; never the system's), then floods each contender in
    turn with dgram-flood, alternating the contenders repetition by
    repetition (the order is rotated each repetition), for every datagram
    size and sender (send(2) or sendmmsg(2)):

      raw-recvmmsg  bench/harness/raw-receiver, recvmmsg batch 64 (the limit)
      raw-recv      bench/harness/raw-receiver, one recv() per datagram
      sink-1        dgram-sink under the master, maxproc 1, -o max_use=0
      sink-1-compat the same with -o dgram_postfix_compatible=yes: Postfix's
                    one datagram per turn, for comparison
      sink-1-nodirect the same with -o dgram_direct_receive=no: every
                    wake-up through epoll, then recvmmsg
      sink-2/sink-4 the same with maxproc 2 and 4 (children share the gate;
                    a turn under 1 ms keeps it and reports nothing)
      sink-2-every/sink-4-every  the same with -o dgram_busy_after_usec=0:
                    gate and TAKEN/AVAIL every turn, Postfix's way
      dgram-logd    dgram-logd under the master, maillog_file=/dev/null
      postlogd      Postfix's postlogd under the master, maillog_file=/dev/null
      rsyslog       rsyslogd imuxsock on a private socket, rate limit off,
                    omfile to /dev/null
      syslog-ng     syslog-ng (Debian's syslog-ng-core, unpacked by
                    bench/flood-compare: it conflicts with rsyslog) with a
                    unix-dgram() source on a private socket, file("/dev/null"),
                    flags(flow-control) (it stops reading rather than drop),
                    log-msg-size 64 KiB

    The whole comparison is made once per queue length of --qlens (default
    "machine,512": the machine's net.unix.max_dgram_qlen and 512, systemd's
    boot value; once when they are equal): the value is written to
    /proc/sys/net/unix/max_dgram_qlen, then the master, rsyslogd and
    syslog-ng are started (a socket keeps the value in force when it was
    made; the raw receiver binds anew for each flood), that value's floods,
    system call counts, verification and latency runs are made, and they
    are stopped. Every entry of the JSON says its "qlen"; the summary's keys
    are "QLEN/PLACEMENT/SIZE/SENDER"; settings has "qlens" and
    "machine_qlen". The machine's value is put back on every way out
    (floodlib/qlen.py; SIGINT, SIGTERM and SIGHUP included), and
    bench/flood-compare puts it back too should Python be killed.

    Every timed run is measured by dgram-flood itself (its JSON report): the
    span runs from its first send until the receiver has consumed every
    datagram (SIOCOUTQ on the sending socket falls to 0), and for rsyslog
    and syslog-ng, which queue records inside themselves, on until its CPU time has not grown
    for 300 ms (--settle 300; the run is timed to the last growth). Before
    each run the receiver is up: a warm-up datagram starts a master child
    and the queue is empty again; rsyslogd is idle.

    Child CPU and context switches are the /proc growth, from the first
    send to that end, of the receiving processes: the raw receiver
    (--receiver; it stays after its last datagram until SIGTERM), the
    holders of a master service's socket other than the master
    (--find-receivers --master; a child started during the run counts its
    whole life), rsyslogd (--receiver, every thread). Master CPU and
    context switches are the master's own. dgram-sink's exit summaries
    prove that every datagram was served (datagrams= summed over the
    children equals what was sent), the raw receiver's report likewise;
    the loggers write a real file in one verification run each, and its
    lines are counted. bench/RESULTS.md, "Measured once", compares this
    with the Python measurement it replaced.

    System calls per datagram are counted on a separate flood of
    --syscall-count datagrams with `perf stat --per-thread -a -e
    raw_syscalls:sys_enter` (strace -c -f -p when perf cannot), for the
    receiving processes and the master separately.

    Every timed flood, system call count and latency run is made in each
    placement (--placements, default both, alternated repetition by
    repetition): "spread" (the scheduler's choice on every CPU) and "cpu0"
    (the sender, the raw receiver, the master and the children it forks,
    rsyslogd's threads, all on CPU 0). Each run's context switches per
    datagram are reported for the receivers and the master, beside CPU.

    Latency: dgram-flood --stamp paces datagrams that carry the time they
    were due (coordinated omission corrected: a late send keeps its due time);
    raw-receiver --latency and dgram-sink's latency mode under the master
    (maxproc 1 and 4) record the delays, p50/p99/p99.9/max, at --latency-rate (default
    1000/s) and at half the capacity the timed floods measured for the same
    kind of receiver in that placement (raw-recvmmsg, sink-1, sink-4).

    --service LABEL[:MAXPROC]=PROGRAM [ARGS...] adds a contender of your own:
    PROGRAM (a dgram-server program built anywhere) is copied into the
    private master's daemon directory and runs as "svc-LABEL" with maxproc
    MAXPROC (default 1), -o max_use=0 and ARGS (the words up to the next
    option flood-compare knows, so -o name=value may be among them).

    With --time-budget, no repetition is started that would (judging by the
    ones before) end the timed floods after that many minutes; the results
    say how many ran. Results go to RESULTS_DIR/<UTC timestamp>.json and latest.json, then
    bench/harness/render_results.py writes bench/RESULTS.md and the plot.

    --api-cost measures only what the new service API costs (issue 8), at the
    machine's queue length only (--qlens is refused with it): dgram-sink
    maxproc 1 with the receive options off (sink-1) and with
    dgram_sink_receive_sender and dgram_sink_receive_credentials on (sink-rx),
    without its counter file (sink-nocount: sink-1 counts, by default, so
    sink-1 against sink-nocount is what the counters cost), with
    dgram_sink_receive_timestamp on (sink-ts: the time-in-queue histogram),
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

    --curves runs the curves instead of the comparison (floodlib/curves.py
    says what each is): rate against datagram size and against sending
    processes, at each queue length of --qlens and in each placement; receive
    delay against offered load, measured from each datagram's scheduled send
    time; and what 50 paced senders wait in send() at fractions of
    postlogd's capacity. --contenders narrows the receivers (default: raw
    recvmmsg, sink-1, sink-4, dgram-logd, postlogd, rsyslog, syslog-ng),
    --reps and --count override the plan's. It writes
    RESULTS_DIR/curves.json (curves-quick.json with --quick), and
    bench/harness/render_curves.py draws curves-*.png beside it and replaces the
    "curves" block of bench/RESULTS.md.

LAYOUT
    This file is the command line (parse_args) and main(); the rest is
    bench/harness/floodlib/: system (/proc, sockets, waits), qlen (max_dgram_qlen set
    for a while and put back), instance (the private Postfix instance of
    tools/postfix-instance, rsyslogd and syslog-ng), contenders
    (the table of receivers and their three kinds), measure (one flood, a
    timed run, system calls, loggers, latency), runs (the comparison and
    --api-cost), curves (--curves) and report (summaries, RESULTS.md's api-cost block, facts).

DIAGNOSTICS
    Exit status 0 when every run completed and every count checked out; 1
    when a run failed or a count was wrong (the JSON says which); 2 for a bad
    command line or a missing program. Everything started here is stopped by
    its process id and the temporary folder is removed, also on failure.
"""

import argparse
import contextlib
import os
import re
import signal
import sys

from floodlib.contenders import ALL_CONTENDERS, API_COST_CONTENDERS, API_COST_VARIANTS
from floodlib.curves import CURVE_CONTENDERS, Curves
from floodlib.qlen import QueueLength, QueueLengthError, read_qlen
from floodlib.report import publish, publish_curves
from floodlib.runs import PLACEMENTS, Bench


# ---------------------------------------------------------------- entry point


# Names already in the private master's daemon directory.
RESERVED_PROGRAMS = {"dgram-sink", "dgram-logd", "postlogd", "master"}


def split_services(argv, known):
    """split_services - takes each `--service WORD [ARGS...]` out of argv: its words run
    up to the next option flood-compare knows (or the end), so ARGS may hold -o."""
    rest, services, i = [], [], 0
    while i < len(argv):
        word = argv[i]
        if word == "--service" or word.startswith("--service="):
            words = [word.split("=", 1)[1]] if "=" in word and word.startswith("--service=") else []
            i += 1
            while i < len(argv) and argv[i].split("=", 1)[0] not in known:
                words.append(argv[i])
                i += 1
            services.append(words)
            continue
        rest.append(word)
        i += 1
    return rest, services


def parse_service(p, words):
    """parse_service - (label, maxproc, program, arguments) of one --service, or a usage error."""
    if not words:
        p.error("--service wants LABEL[:MAXPROC]=PROGRAM [ARGS...]")
    m = re.fullmatch(r"([A-Za-z0-9_.-]+)(?::([0-9]+))?=(.+)", words[0])
    if not m:
        p.error(f"--service wants LABEL[:MAXPROC]=PROGRAM [ARGS...], the label of letters, digits, '_.-': {words[0]}")
    label, maxproc, program = m.group(1), int(m.group(2) or 1), os.path.abspath(m.group(3))
    if not 1 <= maxproc <= 64:
        p.error(f"--service {label}: maxproc {maxproc} is not between 1 and 64")
    if not os.path.isfile(program) or not os.access(program, os.X_OK):
        p.error(f"--service {label}: {program} is not an executable file")
    bad = [w for w in words[1:] if not re.fullmatch(r"[^\s]+", w)]
    if bad:
        p.error(f"--service {label}: master.cf arguments cannot hold white space: {bad[0]!r}")
    return label, maxproc, program, " ".join(words[1:])

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
                   help="only the API's cost: sink-1 (counting), sink-rx (receive sender+credentials), "
                        "sink-nocount (no counter file), sink-ts (receive timestamps), sink-2; "
                        "100 B; default 3 x 300000; see --placements")
    p.add_argument("--placements", default="spread,cpu0",
                   help="spread (the scheduler's choice), cpu0 (every process on CPU 0) or both (default)")
    p.add_argument("--curves", action="store_true",
                   help="the curves instead of the comparison: rate against datagram size, senders and queue "
                        "length, latency and senders' waits against offered load (bench/harness/floodlib/curves.py); "
                        "--quick: a smoke run of a few minutes")
    p.add_argument("--qlens", default=None, metavar="machine,512",
                   help="the net.unix.max_dgram_qlen values to run the comparison (or the curves) at, in order: "
                        "numbers or 'machine' (the value found); set for the run, put back after (default "
                        "machine,512; a value given twice runs once)")
    p.add_argument("--service", action="append", default=[], metavar="LABEL[:MAXPROC]=PROGRAM [ARGS...]",
                   help="your own dgram-server program under the private master beside the others: "
                        "the words up to the next flood-compare option are its master.cf arguments")
    known = {option for action in p._actions for option in action.option_strings}
    argv, services = split_services(argv, known)
    a = p.parse_args(argv)
    a.reps_given, a.count_given = a.reps is not None, a.count is not None
    a.service = []
    for words in services:
        a.service.append(parse_service(p, words))
    labels = [label for label, _, _, _ in a.service]
    if len(set(labels)) != len(labels):
        p.error(f"--service labels must differ: {' '.join(labels)}")
    names = [os.path.basename(program) for _, _, program, _ in a.service]
    clash = [n for n in names if names.count(n) > 1 or n in RESERVED_PROGRAMS]
    if clash:
        p.error(f"--service programs are copied into the master's daemon directory by name, and these names are "
                f"taken: {' '.join(sorted(set(clash)))} (rename or link the program)")
    # bench/flood-compare passes the command line it was given (it adds --build-dir).
    a.command = os.environ.get("FLOOD_COMPARE_COMMAND") or ("bench/harness/flood_compare.py " + " ".join(argv)).strip()
    a.placements = a.placements.split(",")
    if any(x not in PLACEMENTS for x in a.placements):
        p.error(f"--placements takes {', '.join(PLACEMENTS)}: {','.join(a.placements)}")
    if a.api_cost and a.qlens is not None:
        p.error("--api-cost runs at the machine's net.unix.max_dgram_qlen only; leave out --qlens")
    if a.api_cost:
        if a.sink_variant:
            p.error("--api-cost makes its own dgram-sink variants; leave out --sink-variant")
        a.contenders = ",".join(API_COST_CONTENDERS)
        a.sink_variant = ["=".join(variant) for variant in API_COST_VARIANTS]
        if a.reps is None:
            a.reps = 1 if a.quick else 3
        if a.count is None:
            a.count = 20000 if a.quick else 300000
    if a.curves:
        if a.api_cost:
            p.error("--curves and --api-cost are two different runs: choose one")
        if "--contenders" not in " ".join(argv):
            a.contenders = ",".join(c for c in CURVE_CONTENDERS if c in ALL_CONTENDERS)
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
    bad = [s for s in a.senders if not re.fullmatch(r"(send|mmsg)([1-9][0-9]?)?", s)] + \
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
    a.qlens = parse_qlens(p, a.qlens or ("machine" if a.api_cost else "machine,512"))
    return a


def parse_qlens(p, text):
    """parse_qlens - the --qlens values in order, each once; "machine" is this machine's value."""
    values = []
    for word in text.split(","):
        try:
            value = read_qlen() if word == "machine" else int(word)
        except ValueError:
            p.error(f"--qlens takes numbers or 'machine', separated by commas: {word!r} in {text!r}")
        if not 1 <= value <= 65536:
            p.error(f"--qlens: {value} is not between 1 and 65536")
        if value not in values:
            values.append(value)
    return values


@contextlib.contextmanager
def bench_at(args, queue, qlen):
    """bench_at - a set-up Bench whose instances were started with net.unix.max_dgram_qlen
    at qlen (set through queue, an entered QueueLength, which puts the machine's value
    back when it is left); the instances are stopped on the way out."""
    queue.set(qlen)
    bench = Bench(args, queue)
    try:
        bench.setup()
        bench.start_instances()
        yield bench
    finally:
        bench.teardown()



def main(argv):
    args = parse_args(argv)
    if os.geteuid() != 0:
        print("flood-compare: the Postfix master runs as root: run as root (bench/flood-compare uses sudo)",
              file=sys.stderr)
        return 2
    here = os.path.dirname(os.path.abspath(__file__))
    results_dir = os.path.abspath(args.results_dir or os.path.join(os.path.dirname(here), "results"))
    # SIGTERM/SIGINT end the run through the same clean-up as an error (inside
    # QueueLength, SIGTERM and SIGHUP become SystemExit: the same way out).
    def interrupted(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, interrupted)
    try:
        with QueueLength() as queue:
            if args.curves:
                result = Curves(args, lambda qlen: bench_at(args, queue, qlen)).run()
            else:
                bench = Bench(args, queue)
                try:
                    bench.setup()
                    result = bench.run_api_cost() if args.api_cost else bench.run()
                finally:
                    bench.teardown()
    except QueueLengthError as e:
        print(f"flood-compare: {e}", file=sys.stderr)
        return 1
    if args.curves:
        return publish_curves(result, args, here, results_dir)
    return publish(result, args, here, results_dir)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
