#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""render_results - bench/RESULTS.md and the throughput plot from one flood-compare JSON.

SUMMARY
    bench/harness/render_results.py [RESULTS_JSON] [--markdown PATH] [--plot PATH]
    (default: bench/results/latest.json -> bench/RESULTS.md, bench/results/throughput.png
    and latency.png beside it)

DESCRIPTION
    Every table says at which net.unix.max_dgram_qlen it was measured (a
    run of flood-compare --qlens makes each comparison at each value): one
    table per queue length and placement, or a "qlen" column. Leads with
    ratios measured in the same run (each contender's median datagrams/s
    over the raw recvmmsg receiver's, Postfix postlogd's, rsyslog's and
    syslog-ng's), then the issue-4 targets met or missed, the throughput table
    (median, min, max), CPU per 10^6 datagrams, system calls per datagram,
    batch sizes, the loggers' verification runs, latency under light load,
    the machine facts and the command that produced it. The plot is a
    grouped bar chart drawn by gnuplot (pngcairo): datagrams/s per contender,
    one bar per datagram size and sender. The "api-cost-*" blocks of
    RESULTS.md (flood_compare.py --api-cost writes one) are kept as they were.

DIAGNOSTICS
    Exit status 1 when the JSON cannot be read; a missing gnuplot is reported
    in RESULTS.md instead of a plot.
"""

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# RESULTS.md and results/ are in bench/, above the harness.
BENCH = os.path.dirname(HERE)
SENDERS = {"send": "send(2)", "mmsg": "sendmmsg(2)"}


PLACEMENT_NAMES = {"spread": "spread over every CPU", "cpu0": "every process on CPU 0"}


def split_cell(cell):
    """split_cell - (qlen, placement, size, sender) of a summary key "qlen/placement/size/sender"
    (older files: "placement/size/sender" or "size/sender", the missing parts None); qlen an int."""
    parts = cell.split("/")
    parts = [None] * (4 - len(parts)) + parts
    return (int(parts[0]) if parts[0] is not None else None), parts[1], parts[2], parts[3]


def cell_name(cell, with_placement=True):
    """cell_name - "cpu0: 100 B, send(2)" for "512/cpu0/100/send" (the queue length is said by
    the table's title; with_placement=False: "100 B, send(2)")."""
    _, placement, size, sender = split_cell(cell)
    text = f"{size} B, {SENDERS.get(sender, sender)}"
    return f"{placement}: {text}" if placement and with_placement else text


def qlen_name(data, qlen):
    """qlen_name - "max_dgram_qlen 10 (the machine's)"; None (an older file): the machine's value."""
    machine = data["settings"].get("machine_qlen", data["facts"].get("max_dgram_qlen"))
    value = machine if qlen is None else qlen
    return f"max_dgram_qlen {value}" + (" (the machine's)" if value == machine else "")


def num(value, digits=0):
    if value is None:
        return "-"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def ratio(value):
    return "-" if value is None else f"{value:.2f}×"


def paired(data, name, base, cell):
    """paired - the ratio name/base within each repetition (the two ran minutes apart at most)."""
    qlen, placement, size, sender = split_cell(cell)
    rates = {}
    for r in data["runs"]:
        if "rate" in r and str(r["size"]) == size and r["sender"] == sender and r["contender"] in (name, base) \
                and (placement is None or r.get("placement") == placement) \
                and (qlen is None or r.get("qlen") == qlen):
            rates.setdefault(r["rep"], {})[r["contender"]] = r["rate"]
    return [v[name] / v[base] for v in rates.values() if name in v and base in v and v[base] > 0]


def placements_of(data):
    return data["settings"].get("placements") or [None]


def qlens_of(data):
    """qlens_of - the queue lengths of the run, in order; [None] for a file from before --qlens."""
    return data["settings"].get("qlens") or [None]


def cells_of(data, placement="all", qlen="all"):
    """cells_of - the summary's keys of one placement and queue length ("all": every one)."""
    st = data["settings"]
    places = placements_of(data) if placement == "all" else [placement]
    qlens = qlens_of(data) if qlen == "all" else [qlen]
    return [(f"{q}/" if q is not None else "") + (f"{p}/" if p else "") + f"{size}/{sender}"
            for q in qlens for p in places for size in st["sizes"] for sender in st["senders"]]


def qlen_places(data):
    """qlen_places - every (queue length, placement) of the run, in order."""
    return [(q, p) for q in qlens_of(data) for p in placements_of(data)]


def gnuplot(script):
    """gnuplot - runs one script; None, or why there is no plot."""
    try:
        p = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"gnuplot could not run: {e}"
    return None if p.returncode == 0 else "gnuplot failed: " + p.stderr.strip()[:500]


def histogram_panels(path, panels, panel_height, title, settings):
    """histogram_panels - the gnuplot script of clustered bar panels, one above the other."""
    return f"""
set terminal pngcairo noenhanced size 1400,{panel_height * len(panels)} font ",12"
set output '{path}'
set multiplot layout {len(panels)},1 title "{title}"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
{settings}
set datafile separator "\\t"
{"".join(panels)}
unset multiplot
"""


def plot(data, path):
    """plot - datagrams/s per contender, one panel per placement, one bar per
    size and sender; returns None or why there is no plot."""
    summary, order = data["summary"], data["settings"]["contenders"]
    order = [c for c in order if c in summary] + [c for c in summary if c not in order]
    facts, st = data["facts"], data["settings"]
    with tempfile.TemporaryDirectory(prefix="dgram-plot.") as tmp:
        panels = []
        for i, (qlen, placement) in enumerate(qlen_places(data)):
            cells = cells_of(data, placement, qlen)
            table = os.path.join(tmp, f"data{i}.tsv")
            with open(table, "w") as f:
                f.write("contender\t" + "\t".join(f'"{cell_name(c, False)}"' for c in cells) + "\n")
                for name in order:
                    values = [summary[name].get(c, {}).get("median") for c in cells]
                    f.write(f'"{name}"\t' + "\t".join("NaN" if v is None else f"{v / 1000:.1f}" for v in values)
                            + "\n")
            columns = ", ".join(f"'{table}' using {j + 2}:xtic(1) title columnheader({j + 2})"
                                for j in range(len(cells)))
            title = f"{qlen_name(data, qlen)}, {PLACEMENT_NAMES.get(placement, placement or '')}"
            panels.append(f'set title "{title}"\nplot {columns}\n')
        title = (f"Datagrams per second received (median of {st['reps']}, {st['count']:,} datagrams per flood), "
                 f"{facts.get('nproc')} CPUs, kernel {facts.get('kernel')}")
        script = histogram_panels(path, panels, 520, title, 'set ylabel "thousand datagrams / s"\nset yrange [0:*]\n'
                                  'set key top right\nset xtics rotate by -25')
        return gnuplot(script)


def latency_medians(data):
    """latency_medians - the latency runs grouped by placement, receiver and load, in the order
    they first came: per group the median of each percentile over its runs ("runs"; a JSON
    without repetitions gives groups of one), p99's lowest and highest ("p99_low", "p99_high"),
    and how many runs failed ("failed_runs"). A group whose runs all failed is its first run."""
    groups = {}
    for e in data.get("latency", []):
        groups.setdefault((e.get("qlen"), e.get("placement"), e["receiver"], e.get("load")), []).append(e)
    merged = []
    for runs in groups.values():
        good = [e for e in runs if "p99_us" in e]
        if not good:
            merged.append(runs[0])
            continue
        entry = {k: v for k, v in good[0].items() if k != "rep"}
        for field in ("p50_us", "p99_us", "p999_us", "max_us", "min_us", "count", "late_sends", "achieved_rate"):
            values = [e[field] for e in good if e.get(field) is not None]
            if values:
                entry[field] = statistics.median(values)
        p99s = [e["p99_us"] for e in good]
        entry.update({"runs": len(good), "failed_runs": len(runs) - len(good),
                      "p99_low": min(p99s), "p99_high": max(p99s)})
        merged.append(entry)
    return merged


def plot_latency(data, path):
    """plot_latency - the latency distribution: p50, p99, p99.9 and max per receiver
    and load (log scale), one panel per placement; None or why there is no plot."""
    entries = [e for e in latency_medians(data) if "p50_us" in e]
    if not entries:
        return "no latency results"
    places = [(q, p) for q, p in qlen_places(data)
              if any(e.get("placement") == p and e.get("qlen") == q for e in entries)] or [(None, None)]
    with tempfile.TemporaryDirectory(prefix="dgram-plot.") as tmp:
        panels = []
        for i, (qlen, placement) in enumerate(places):
            table = os.path.join(tmp, f"lat{i}.tsv")
            with open(table, "w") as f:
                f.write('receiver\t"p50"\t"p99"\t"p99.9"\t"max"\n')
                for e in entries:
                    if e.get("placement") != placement or e.get("qlen") != qlen:
                        continue
                    name = f"{e['receiver']} {e.get('load', '')} {e.get('rate', 0):,.0f}/s"
                    f.write(f'"{name}"\t' + "\t".join(f"{max(e.get(k) or 0.1, 0.1):.1f}"
                                                       for k in ("p50_us", "p99_us", "p999_us", "max_us")) + "\n")
            columns = ", ".join(f"'{table}' using {j + 2}:xtic(1) title columnheader({j + 2})" for j in range(4))
            panels.append(f'set title "{qlen_name(data, qlen)}, {PLACEMENT_NAMES.get(placement, placement or "")}"'
                          f'\nplot {columns}\n')
        script = histogram_panels(path, panels, 480,
                                  "Delay from send to the receiver's callback, microseconds (log scale)",
                                  'set logscale y\nset yrange [1:*]\nset ylabel "microseconds"\nset key top left\n'
                                  'set xtics rotate by -20')
        return gnuplot(script)


def qlen_cell(data, entry):
    """qlen_cell - the queue length of one entry (an older file's: the machine's)."""
    value = entry.get("qlen", data["settings"].get("machine_qlen", data["facts"].get("max_dgram_qlen")))
    return "-" if value is None else str(value)


def mark(ok):
    return "met" if ok else "missed"


def targets(data):
    """The targets of issues 4 and 10, from the summary and the latency runs."""
    s = data["summary"]
    lines = []
    for qlen, placement in qlen_places(data):
        prefix = (f"{qlen}/" if qlen is not None else "") + (f"{placement}/" if placement else "")
        cell = prefix + "100/send"
        sink = s.get("sink-1", {}).get(cell)
        where = f"{qlen_name(data, qlen)}, {PLACEMENT_NAMES.get(placement, '')}"
        if sink and sink.get("vs_raw") is not None:
            goal = 0.95 if placement == "cpu0" else 0.8
            lines.append(f"- {where}, 100 B send(2): sink-1 {sink['vs_raw']:.2f}× raw recvmmsg "
                         f"(target {goal}×: {mark(sink['vs_raw'] >= goal)})")
        for shared in ("sink-2", "sink-4"):
            e = s.get(shared, {}).get(cell)
            if e and sink and sink.get("median"):
                value = e["median"] / sink["median"]
                lines.append(f"- {where}, 100 B send(2): {shared} {value:.2f}× sink-1"
                             + (f" (target 0.85×: {mark(value >= 0.85)})" if placement == "cpu0" else ""))
        if sink and sink.get("vs_postlogd") is not None:
            lines.append(f"- {where}, 100 B send(2): sink-1 {sink['vs_postlogd']:.2f}× postlogd")
        logd = s.get("dgram-logd", {}).get(cell)
        if logd and logd.get("vs_postlogd") is not None:
            lines.append(f"- {where}, 100 B send(2): dgram-logd {logd['vs_postlogd']:.2f}× postlogd")
    lat = [e for e in latency_medians(data) if "p99_us" in e]
    for e in lat:
        if e["receiver"] == "raw":
            continue
        raw = next((r for r in lat if r["receiver"] == "raw" and r.get("placement") == e.get("placement")
                    and r.get("load") == e.get("load") and r.get("qlen") == e.get("qlen")), None)
        if raw and raw["p99_us"] > 0:
            value = e["p99_us"] / raw["p99_us"]
            runs = f", median of {e['runs']} runs each" if e.get("runs", 1) > 1 else ""
            lines.append(f"- latency {qlen_name(data, e.get('qlen'))}, {PLACEMENT_NAMES.get(e.get('placement'), '')}, "
                         f"{e.get('load')} load: "
                         f"{e['receiver']} p99 {e['p99_us']:,.0f} µs = {value:.2f}× raw's {raw['p99_us']:,.0f} µs"
                         f"{runs} (target ≤ 1.5×: {mark(value <= 1.5)})")
    for e in data.get("syscalls", []):
        if e.get("contender") == "sink-1" and e.get("child_per_datagram") is not None:
            lines.append(f"- system calls per datagram in sink-1 ({qlen_name(data, e.get('qlen'))}, "
                         f"{e.get('placement', '')}, "
                         f"{SENDERS.get(e['sender'], e['sender'])}): {e['child_per_datagram']:.2f} (target ≤ 1: "
                         f"{mark(e['child_per_datagram'] <= 1)}); the master {e.get('master_per_datagram', 0):.2f}")
    return lines


def placement_tables(data, order, cell_text, long_titles):
    """placement_tables - one table per queue length and placement, titled "### max_dgram_qlen N,
    placement": a row per contender, a column per flood, cell_text(summary entry or None)."""
    s, lines = data["summary"], []
    for qlen, placement in qlen_places(data):
        cells = cells_of(data, placement, qlen)
        lines.append("")
        lines += [f"### {qlen_name(data, qlen)}" + (f", {placement}" if placement else "") +
                  (f": {PLACEMENT_NAMES.get(placement, placement)}" if long_titles and placement else ""), ""]
        lines.append("| contender | " + " | ".join(cell_name(c, False) for c in cells) + " |")
        lines.append("|---|" + "---:|" * len(cells))
        for name in order:
            lines.append(f"| {name} | " + " | ".join(cell_text(s[name].get(c)) for c in cells) + " |")
    return lines


def render(data, plot_path, plot_error, latency_error=None):
    s, order = data["summary"], data["settings"]["contenders"]
    order = [c for c in order if c in s] + [c for c in s if c not in order]
    labels = data.get("labels", {})
    cells = cells_of(data)
    places = placements_of(data)
    f = data["facts"]
    st = data["settings"]
    out = []
    w = out.append
    w("# Datagram receivers side by side")
    w("")
    w(f"Generated by `{data['command']}` on {data['generated']} "
      f"({data['duration_s'] / 60:.1f} minutes; {st['reps']} repetition(s)"
      + (f" of the {st['reps_requested']} asked for, as the {st['time_budget_minutes']:g}-minute time budget allowed"
         if st.get("reps_requested", st["reps"]) != st["reps"] else "")
      + f", {st['count']:,} datagrams per flood, contenders alternated within each repetition, their order "
      "rotated from one repetition to the next" +
      (", the placements alternated" if len(places) > 1 else "") + "). "
      "Absolute numbers drift on a shared machine; the ratios are measured in the same run.")
    if places != [None]:
        w("")
        w("Every number is given for each **placement**: " +
          "; ".join(f"**{p}**: {PLACEMENT_NAMES.get(p, p)}" for p in places) +
          " (cpu0: `taskset -c 0` for the sender and the raw receiver, the master's affinity for the children it "
          "forks, rsyslogd's and syslog-ng's threads moved). Spread over CPUs, a flood is bound by cross-CPU "
          "wake-ups and every "
          "receiver lands near the raw one; on one CPU the rate measures what each receiver costs in CPU.")
    if st.get("qlens"):
        w("")
        w("Every number is also given for each **queue length**, net.unix.max_dgram_qlen, which the kernel copies "
          "into a socket when it is made and which bounds how many datagrams wait on it: " +
          "; ".join(f"**{qlen_name(data, q)}**" for q in qlens_of(data)) +
          ". The harness sets each value, then starts the Postfix master, rsyslogd and syslog-ng (the raw receiver "
          "binds anew for every flood), and puts the machine's value back at the end. systemd as PID 1 sets 512 "
          "at boot; the kernel's default is 10.")
    if st.get("quick"):
        w("")
        w("**A --quick smoke run: too short to mean much.**")
    w("")
    w("## Targets")
    w("")
    out.extend(targets(data) or ["- (no sink-1 results in this run)"])
    w("")
    w("## Ratios (median datagrams/s over the reference's median, same run and placement)")
    w("")
    w("In brackets: the lowest and highest ratio within one repetition (the two ran minutes apart at most), "
      "which shows how much the machine's load drifted.")
    w("")
    for base, key, ref in (("raw recvmmsg receiver", "vs_raw", "raw-recvmmsg"),
                           ("Postfix postlogd", "vs_postlogd", "postlogd"),
                           ("rsyslog imuxsock", "vs_rsyslog", "rsyslog"),
                           ("syslog-ng unix-dgram()", "vs_syslog_ng", "syslog-ng")):
        if ref not in s:
            continue
        for qlen in qlens_of(data):
            qcells = cells_of(data, "all", qlen)
            w(f"vs {base}, at {qlen_name(data, qlen)}:")
            w("")
            w("| contender | " + " | ".join(cell_name(c) for c in qcells) + " |")
            w("|---|" + "---:|" * len(qcells))
            for name in order:
                if name == ref:
                    continue
                row = []
                for c in qcells:
                    value = s[name].get(c, {}).get(key)
                    pairs = paired(data, name, ref, c)
                    row.append(ratio(value) + (f" ({min(pairs):.2f}–{max(pairs):.2f})" if len(pairs) > 1 else ""))
                w(f"| {name} | " + " | ".join(row) + " |")
            w("")
    w("## Throughput, datagrams/s")
    w("")
    w("Median (min–max) of the repetitions; a run lasts from the sender's start until every datagram "
      "was received (the receiver's queue is empty, rsyslog's or syslog-ng's CPU time has stopped growing).")
    def throughput(e):
        return "-" if not e else f"**{num(e['median'])}** ({num(e['min'])}–{num(e['max'])})"
    out.extend(placement_tables(data, order, throughput, True))
    w("")
    w("Contenders: " + "; ".join(f"**{n}** {labels.get(n, '')}" for n in order) + ".")
    w("")
    w("![datagrams/s per contender, flood and placement](results/throughput.png)" if not plot_error else
      f"(no plot: {plot_error})")
    w("")
    if any(e.get("send_wait_p99_us") is not None for n in order for e in s[n].values()):
        w("## What the senders waited (medians)")
        w("")
        w("p99 of the time a datagram's send waited for room, in microseconds (dgram-flood's send_wait_us: each "
          "datagram is first offered without blocking, and one taken at once waited 0; refused, the blocking "
          "send sleeps while the receiver's queue is full), and in brackets the share of the sending time spent "
          "waiting and the share of the datagrams that waited at all. A flood as fast as the sender can always "
          "fills the queue of a receiver slower than the sender; the paced 50-sender waits are in the curves "
          "section.")
        def send_wait(e):
            e = e or {}
            if e.get("send_wait_p99_us") is None:
                return "-"
            waited = e.get("send_wait_waited")
            return (f"{num(e['send_wait_p99_us'], 1)} ({num(e.get('send_wait_share'), 2)}" +
                    ("" if waited is None else f", {waited:.0%}") + ")")
        out.extend(placement_tables(data, order, send_wait, False))
        w("")
    w("## CPU and context switches per datagram (medians)")
    w("")
    w("CPU: microseconds per datagram, the receiving process(es) / the Postfix master (for the services it "
      "runs). Context switches per datagram, receiver(s) / master, in brackets (voluntary + involuntary: "
      "dgram-flood's count over the flood, from /proc/PID/task/*/status of the receiving processes).")
    def cpu_and_switches(e):
        e = e or {}
        text = f"{num(e.get('child_cpu_per_1e6'), 2)} / {num(e.get('master_cpu_per_1e6'), 2)}"
        if e.get("ctx_per_datagram") is not None or e.get("master_ctx_per_datagram") is not None:
            text += f" ({num(e.get('ctx_per_datagram'), 3)} / {num(e.get('master_ctx_per_datagram'), 3)})"
        return text
    out.extend(placement_tables(data, order, cpu_and_switches, False))
    w("")
    batch_rows = [(n, c, s[n][c]) for n in order for c in cells if s[n].get(c, {}).get("batch_mean") is not None]
    if batch_rows:
        w("Batch sizes reported by the receivers (datagrams per receive call; median of the mean, largest seen): " +
          "; ".join(f"{n} {qlen_name(data, split_cell(c)[0])}, {cell_name(c)}: {e['batch_mean']:.2f}, "
                    f"max {e.get('batch_max', '-')}" for n, c, e in batch_rows) + ". "
          "A batch can hold more than the max_dgram_qlen datagrams the queue takes: while one "
          "recvmmsg call drains the queue, the sender it wakes refills it from the other CPU.")
    else:
        w("Batch sizes: no receiver reported them.")
    if not any(n.startswith("sink") for n, _, _ in batch_rows):
        w("")
        w("dgram-sink does not report its batch sizes (no `batches=` in its exit summary); its system calls per "
          "datagram below show how much each wake-up drained.")
    w("")
    w(f"## System calls per datagram ({st['syscall_count']:,} datagrams of {st['sizes'][0]} bytes)")
    w("")
    tool = f.get("syscall_counter")
    if tool == "perf":
        w("Counted with `perf stat --per-thread -a -e raw_syscalls:sys_enter` around the flood, for the receiving "
          "processes and the master separately (sink-2, sink-4, rsyslog and syslog-ng get a first flood so that "
          "their children / worker threads exist when counting starts).")
    elif tool == "strace":
        w("Counted with `strace -c -f -p` on the receiving processes and the master together (perf was not usable).")
    w("")
    w("| contender | qlen | placement | sender | receiver(s) | master | receiving processes | note |")
    w("|---|---:|---|---|---:|---:|---:|---|")
    for e in data.get("syscalls", []):
        note = e.get("error", "")[:120]
        if e.get("uncounted_children"):
            note += f"{e['uncounted_children']} child(ren) started during the count, not counted"
        if e.get("note"):
            note += e["note"]
        child = e.get("child_per_datagram", e.get("child_and_master_per_datagram"))
        w(f"| {e.get('contender')} | {qlen_cell(data, e)} | {e.get('placement', '-')} | "
          f"{SENDERS.get(e.get('sender'), e.get('sender'))} | "
          f"{num(child, 2)} | "
          f"{num(e.get('master_per_datagram'), 2)} | {e.get('receivers', '-')} | {note} |")
    w("")
    ver = data.get("verification", [])
    if ver:
        w(f"## Loggers: every record written whole ({st['syscall_count']:,} records to a real file)")
        w("")
        w("| logger | qlen | size | sent | lines | whole | |")
        w("|---|---:|---:|---:|---:|---:|---|")
        for e in ver:
            w(f"| {e.get('contender')} | {qlen_cell(data, e)} | {e.get('size')} | {num(e.get('sent'))} | {num(e.get('lines'))} | "
              f"{num(e.get('whole'))} | {'ok' if e.get('complete') else 'NOT ALL: ' + e.get('error', '')[:120]} |")
        w("")
        w("A line counts as whole when it ends with the record's bytes after its first 16 (loggers put their own "
          "prefix in front; rsyslog parses the first bytes as a tag). syslog-ng's log path has flags(flow-control): "
          "with a full destination queue it stops reading the socket rather than drop records.")
        w("")
    sink_checks = [(n, c, e) for n in order for c, e in s[n].items() if "all_received" in e]
    if sink_checks:
        bad = [f"{n} {cell_name(c)}" for n, c, e in sink_checks if not e["all_received"]]
        w("dgram-sink's exit summaries, added up over its children, account for every datagram sent in every run."
          if not bad else "Runs where dgram-sink's summaries do not add up to what was sent: " + ", ".join(bad))
        w("")
    lat = latency_medians(data)
    if lat:
        w("## Latency")
        w("")
        w(f"100-byte datagrams that carry their CLOCK_MONOTONIC send time (`dgram-flood --stamp --rate`: the stamp is "
          f"the time the pacer scheduled the datagram for, so a late send counts its lateness): at {st['latency_rate']:,.0f}/s ({st['latency_count']:,} datagrams; light) and at half "
          "the capacity the floods above measured for the same kind of receiver in the same placement (raw: "
          "raw-recvmmsg; latency-1: sink-1; latency-4: sink-4; 3 s of datagrams, at most 300,000; half). The "
          "receiver records receive time minus send time in its callback: raw-receiver --latency, or "
          "dgram-sink's latency mode (dgram_sink_latency_samples_file) under the master with maxproc 1 and 4. Microseconds; "
          "late sends: datagrams the sender sent more than one period after their due time (it then sends the ones "
          "due at once); \"sent\" is the rate it achieved when that differs from the one asked by more than 5%." +
          (f" Each run was made {st['reps']} times, the receivers alternated; every figure is the median over those "
           "runs (received: per run), and p99 is followed by its lowest and highest."
           if any(e.get("runs", 1) > 1 for e in lat) else ""))
        w("")
        w("| qlen | placement | receiver | load | rate/s | received | p50 | p99 | p99.9 | max | p99 vs raw | "
          "late sends |")
        w("|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for e in lat:
            if "error" in e:
                w(f"| {qlen_cell(data, e)} | {e.get('placement', '-')} | {e['receiver']} | {e.get('load', '-')} | | "
                  f"failed: {e['error'][:100]} | | | | | | |")
                continue
            raw = next((r for r in lat if r["receiver"] == "raw" and r.get("placement") == e.get("placement")
                        and r.get("load") == e.get("load") and r.get("qlen") == e.get("qlen")
                        and r.get("p99_us")), None)
            versus = "" if e["receiver"] == "raw" or not raw else ratio(e["p99_us"] / raw["p99_us"])
            w(f"| {qlen_cell(data, e)} | {e.get('placement', '-')} | {e.get('label', e['receiver'])} | {e.get('load', '-')} | "
              f"{num(e.get('rate'))}" + (f" (sent {num(e['achieved_rate'])})" if e.get("achieved_rate") and
                                         abs(e["achieved_rate"] - e["rate"]) > 0.05 * e["rate"] else "") +
              f" | {num(e.get('count'))} | {num(e.get('p50_us'), 1)} | {num(e.get('p99_us'), 1)}" +
              (f" ({num(e['p99_low'], 1)}–{num(e['p99_high'], 1)})" if e.get("runs", 1) > 1 else "") + " | "
              f"{num(e.get('p999_us'), 1)} | {num(e.get('max_us'), 1)} | {versus} | {num(e.get('late_sends'))} |")
        w("")
        w("![latency percentiles per receiver, load and placement](results/latency.png)" if not latency_error else
          f"(no latency plot: {latency_error})")
        w("")
    w("## How it is measured")
    w("")
    w("- One flood = one `dgram-flood` process (blocking `send(2)`, or `sendmmsg(2)` in batches of 64) sending "
      "the datagrams as fast as the receiver takes them: with a queue of `max_dgram_qlen` datagrams the sender "
      "blocks whenever the receiver falls behind, so sender, receiver (and master) share the CPUs.")
    w("- Every figure of a flood is dgram-flood's own (its JSON report): datagrams/s = datagrams sent / (time "
      "from its first send until the receiver had consumed every datagram: the sending socket's SIOCOUTQ at 0), "
      "and for rsyslog and syslog-ng until their CPU time had not grown for 0.3 s (`--settle 300`; they queue "
      "records inside; the end is the last growth seen).")
    w("- The raw receiver is the limit of a receive loop, not of the machine: with `MSG_WAITFORONE` it returns "
      "as soon as one datagram is queued, so it wakes often and drains few (see its batch sizes). With one "
      "blocking sender, a queue of 10 and 2 CPUs, a receiver that does a little more per wake-up lets the queue "
      "fill, wakes less often and leaves the sender more CPU: it can receive faster than the raw loop. A ratio "
      "above 1 vs raw means that, not a measuring error; the ratios between services are the fair comparison.")
    w("- Services under the master get one warm-up datagram first (it starts the child); dgram-sink's children "
      "are retired after each flood with `kill -HUP` to the master, so that they write their exit summaries.")
    w("- Child and master CPU: dgram-flood's `/proc/PID/stat` utime+stime deltas over the flood of the "
      "processes that hold the socket (`--find-receivers --master PID`; `--receiver PID` for the raw receiver, "
      "which stays until told, and for the system loggers); /proc counts in clock ticks (10 ms). The sinks' exit "
      "summaries and the raw receiver's report prove the count, they do not measure.")
    w("- dgram-logd and postlogd are separate master.cf services running those programs the way the stock "
      "`postlog` line does (`unix-dgram n - n - 1`), with `-o maillog_file=/dev/null`; the instance's own "
      "`postlog` service (dgram-logd to a real file) is not measured. Records are dgram-flood's bytes: to both "
      "loggers they are just records.")
    w("")
    w("## Machine")
    w("")
    w(f"- CPUs: {f.get('nproc')} ({f.get('cpu')}), memory {f.get('memory_gb')} GiB")
    w(f"- kernel {f.get('kernel')}, Debian {f.get('debian')}")
    w(f"- net.unix.max_dgram_qlen = {st.get('machine_qlen', f.get('max_dgram_qlen'))} on this machine (caps how "
      "many datagrams wait on a socket, so how much one wake-up can drain); the runs were made at " +
      ", ".join(qlen_name(data, q) for q in qlens_of(data)) + ", and the machine's value was put back")
    w(f"- Postfix {f.get('postfix')}, rsyslog {f.get('rsyslog')}, syslog-ng {f.get('syslog_ng')}")
    w(f"- load average at start: {f.get('loadavg_start')}; at the end: {f.get('loadavg_end')}")
    w(f"- dgram-server commit {f.get('commit')}")
    w("")
    w("## How")
    w("")
    w(f"    {data['command']}")
    w("")
    w("One command from a clone: it installs what is missing (Debian packages, Postfix and rsyslog without "
      "starting their system services; syslog-ng-core, which conflicts with rsyslog, unpacked rather than "
      "installed), builds `build-bench/` (release), sets each queue length in turn and starts a private Postfix "
      "master, a private rsyslogd and a private syslog-ng under /tmp, floods each contender with `dgram-flood` in turn, alternating them "
      "repetition by repetition, and writes `bench/results/latest.json`, this file and the plot. "
      "`--quick` is a smoke run; `--help` lists the options.")
    if data.get("failures"):
        w("")
        w("## Problems in this run")
        w("")
        for line in data["failures"]:
            w(f"- {line[:400]}")
    if data.get("master_complaints"):
        w("")
        w("Master log lines worth a look: " + "; ".join(f"`{x[:160]}`" for x in data["master_complaints"][:5]))
    w("")
    return "\n".join(out)


def main(argv):
    path = argv[0] if argv and not argv[0].startswith("--") else os.path.join(BENCH, "results", "latest.json")
    markdown = os.path.join(BENCH, "RESULTS.md")
    png = os.path.join(BENCH, "results", "throughput.png")
    if "--markdown" in argv:
        markdown = argv[argv.index("--markdown") + 1]
    if "--plot" in argv:
        png = argv[argv.index("--plot") + 1]
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        print(f"render_results: cannot read {path}: {e}", file=sys.stderr)
        return 1
    error = plot(data, png)
    latency_png = os.path.join(os.path.dirname(png), "latency.png")
    latency_error = plot_latency(data, latency_png)
    text = render(data, png, error, latency_error)
    # The api-cost blocks (flood_compare.py --api-cost, the micro-benchmark
    # figures) come from other runs, the kept-* blocks are written by hand
    # (the perf analysis): they stay as they were.
    try:
        with open(markdown) as f:
            old = f.read()
    except OSError:
        old = ""
    kept = [m.group(0) for m in re.finditer(r"<!-- begin ((?:api-cost|kept)-[a-z-]+|curves) -->.*?<!-- end \1 -->", old,
                                            re.S)]
    if kept:
        text = text.rstrip("\n") + "\n\n" + "\n\n".join(kept) + "\n"
    with open(markdown, "w") as f:
        f.write(text)
    print(f"render_results: wrote {markdown}" + (f" and {png}" if not error else f" ({error})"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
