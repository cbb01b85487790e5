#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""render_curves - the curves of bench/flood-compare --curves as plots and a section of bench/RESULTS.md.

SUMMARY
    bench/harness/render_curves.py [CURVES_JSON] [--markdown FILE] [--plots DIR]
    (default: bench/results/curves.json -> the curves block of bench/RESULTS.md,
    bench/results/curves-*.png beside the JSON)

DESCRIPTION
    Draws six plots with gnuplot (pngcairo), one panel per queue length
    and placement:
      curves-size.png       datagrams/s against datagram size (one sender)
      curves-senders.png    datagrams/s against sending processes (100 B)
      curves-qlen.png       datagrams/s at each queue length (100 B, one
                            sender and the most senders)
      curves-latency.png    receive delay p50/p99/p99.9 against offered load
      curves-send-wait.png  senders' p99 and p99.9 wait for room against offered load
      curves-send-waited.png  the share of sends that waited at all, the same runs
    and writes the "curves" block of RESULTS.md (between <!-- begin curves -->
    and <!-- end curves -->; the rest of the file is left as it is): what
    each plot shows, read by someone who never saw this project, its numbers
    as a table, and the send-wait goal (dgram-logd's p99 wait at most half
    of postlogd's at 50% and 90% of postlogd's capacity).

DIAGNOSTICS
    Exit status 1 when the JSON cannot be read; a plot gnuplot cannot draw
    is named in the text instead of its picture.
"""

import json
import os
import sys

from floodlib.report import replace_block
from render_results import gnuplot

HERE = os.path.dirname(os.path.abspath(__file__))
# RESULTS.md and results/ are in bench/, above the harness.
BENCH = os.path.dirname(HERE)
BLOCK = ("<!-- begin curves -->", "<!-- end curves -->")
PLACEMENT_NAMES = {"spread": "spread over the CPUs", "cpu0": "every process on CPU 0"}
LATENCY_NAMES = {"raw": "raw recvmmsg", "latency-1": "dgram-sink maxproc 1", "latency-4": "dgram-sink maxproc 4"}
PERCENTILES = [("p50_us", "p50", 3), ("p99_us", "p99", 1), ("p999_us", "p99.9", 2)]


def panels_of(data):
    """panels_of - the (key, title) of each queue length and placement, in run order."""
    st = data["settings"]
    return [(f"{q}/{p}", f"max_dgram_qlen {q}, {PLACEMENT_NAMES.get(p, p)}") for q in st["qlens"]
            for p in st["placements"]]


def datablock(name, rows):
    return f"${name} << EOD\n" + "\n".join(" ".join(str(v) for v in row) for row in rows) + "\nEOD\n"


def line_plot(path, data, title, xlabel, ylabel, series_of, logx=True, logy=True, xtics=None, panels=None,
              ranges=""):
    """line_plot - one panel per queue length and placement (or per given (key, title));
    series_of(key) gives [(title, dash, [(x, y), ...])] for a panel."""
    panels = panels or panels_of(data)
    rows = (len(panels) + 1) // 2
    blocks, plots = [], []
    for i, (key, panel_title) in enumerate(panels):
        lines = []
        series = series_of(key)
        # Series that come in kinds of one line ("raw p50", "raw p99") share a colour.
        names = []
        for name, _, _ in series:
            if name.rsplit(" ", 1)[0] not in names:
                names.append(name.rsplit(" ", 1)[0])
        paired = len(names) < len(series)
        for j, (name, dash, points) in enumerate(series):
            points = [(x, y) for x, y in points if x is not None and y is not None and (y > 0 or not logy)]
            if not points:
                continue
            block = f"d{i}_{j}"
            blocks.append(datablock(block, points))
            colour = 1 + (names.index(name.rsplit(" ", 1)[0]) if paired else j) % 8
            lines.append(f"${block} using 1:2 with linespoints dashtype {dash} pointtype {7 + colour % 6} "
                         f"linecolor {colour} title '{name}'")
        plots.append(f"set title '{panel_title}'\n" + (f"plot {', '.join(lines)}\n" if lines else
                                                       "plot NaN title 'no data'\n"))
    script = f"""
set terminal pngcairo noenhanced size 1500,{640 * rows} font ",11"
set output '{path}'
{"".join(blocks)}
set multiplot layout {rows},2 title "{title}"
set grid
{"set logscale x 2" if logx else ""}
{"set logscale y" if logy else ""}
{f"set xtics ({xtics})" if xtics else ""}
{ranges}
set xlabel "{xlabel}"
set ylabel "{ylabel}"
set key outside below maxrows 4 font ",10"
{'set format x "%.0s%c"' if logx else ""}
{"".join(plots)}
unset multiplot
"""
    return gnuplot(script)


def fmt(value, digits=0):
    if value is None:
        return "-"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def contenders_in(data, curve):
    names = []
    for table in data["curves"][curve].values():
        names += [n for n in table if n not in names]
    order = data["settings"]["contenders"]
    return [n for n in order if n in names] + [n for n in names if n not in order]


def plots(data, folder):
    """plots - draws the five PNGs; returns {name: None or why there is none}."""
    c, st = data["curves"], data["settings"]
    facts = data["facts"]
    machine = f"{facts.get('nproc')} CPUs, kernel {facts.get('kernel')}"
    errors = {}

    def rate_series(curve, axis):
        def series(key):
            table = c[curve].get(key, {})
            return [(name, 1, [(p[axis], p["rate"]) for p in table[name]]) for name in contenders_in(data, curve)
                    if name in table]
        return series

    errors["size"] = line_plot(f"{folder}/curves-size.png", data,
                               f"Datagrams per second against datagram size, one send(2) sender ({machine})",
                               "bytes per datagram", "datagrams / s", rate_series("size", "size"))
    errors["senders"] = line_plot(f"{folder}/curves-senders.png", data,
                                  f"Datagrams per second against sending processes, 100 B ({machine})",
                                  "sending processes", "datagrams / s", rate_series("senders", "senders"))

    # Queue length: x is the queue length, one panel per placement and sender count.
    most = max(st["senders"])

    def qlen_series(key):
        _, placement = key.split("/", 1)
        out = []
        for name in contenders_in(data, "senders"):
            for dash, n in ((1, 1), (2, most)):
                points = []
                for q in st["qlens"]:
                    line = c["senders"].get(f"{q}/{placement}", {}).get(name, [])
                    rate = next((p["rate"] for p in line if p["senders"] == n), None)
                    points.append((q, rate))
                out.append((f"{name}, {n} sender{'s' if n > 1 else ''}", dash, points))
        return out
    errors["qlen"] = line_plot(f"{folder}/curves-qlen.png", data,
                               f"Datagrams per second at each queue length, 100 B ({machine})",
                               "net.unix.max_dgram_qlen", "datagrams / s", qlen_series,
                               xtics=", ".join(str(q) for q in st["qlens"]),
                               panels=[(f"-/{p}", PLACEMENT_NAMES.get(p, p)) for p in st["placements"]])

    def latency_series(key):
        table = c["latency"].get(key, {})
        return [(f"{LATENCY_NAMES.get(r, r)} {label}", dash, [(p["offered"], p[k]) for p in table[r]])
                for r in table for k, label, dash in PERCENTILES]
    errors["latency"] = line_plot(f"{folder}/curves-latency.png", data,
                                  "Receive delay against offered load, measured from each datagram's scheduled "
                                  f"send time, 100 B ({machine})",
                                  "offered datagrams / s", "microseconds", latency_series)

    def wait_series(key):
        table = c["send_wait"].get(key, {})
        # A wait of 0 is drawn at 1 us (the bottom of the scale): no send in a hundred (or thousand) waited.
        def floor(v):
            return None if v is None else max(v, 1.0)
        out = []
        for name in contenders_in(data, "send_wait"):
            if name in table:
                out.append((f"{name} p99", 1, [(p["fraction"] * 100, floor(p["send_wait_p99_us"]))
                                               for p in table[name]]))
                out.append((f"{name} p99.9", 2, [(p["fraction"] * 100, floor(p.get("send_wait_p99_9_us")))
                                                 for p in table[name]]))
        return out
    errors["send-wait"] = line_plot(f"{folder}/curves-send-wait.png", data,
                                    f"Time a send() waited for room (p99 solid, p99.9 dashed), {st['wait_senders']} paced senders, "
                                    f"100 B ({machine})",
                                    f"offered load, % of {st['wait_reference']}'s capacity",
                                    "microseconds (0 drawn at 1)", wait_series, logx=False,
                                    ranges="set xrange [0:105]\nset yrange [1:*]")

    def waited_series(key):
        table = c["send_wait"].get(key, {})
        return [(name, 1, [(p["fraction"] * 100, None if p.get("send_wait_waited") is None
                            else p["send_wait_waited"] * 100) for p in table[name]])
                for name in contenders_in(data, "send_wait") if name in table]
    errors["send-waited"] = line_plot(f"{folder}/curves-send-waited.png", data,
                                      f"Share of sends that had to wait for room, {st['wait_senders']} paced senders, "
                                      f"100 B ({machine})", f"offered load, % of {st['wait_reference']}'s capacity",
                                      "% of the sends", waited_series, logx=False, logy=False,
                                      ranges="set xrange [0:105]\nset yrange [0:100]")
    return errors


def goal_rows(data):
    """goal_rows - per queue length and placement, at 50% and 90% of postlogd's capacity:
    the p99 send wait of each logger and dgram-logd's ratio to postlogd's (goal: at most 0.5)."""
    rows = []
    for key, _ in panels_of(data):
        table = data["curves"]["send_wait"].get(key, {})
        for fraction in (0.5, 0.9):
            def p99(name):
                return next((p["send_wait_p99_us"] for p in table.get(name, []) if p["fraction"] == fraction), None)
            offered = next((p["offered"] for line in table.values() for p in line if p["fraction"] == fraction),
                           None)
            def waited(name):
                return next((p.get("send_wait_waited") for p in table.get(name, []) if p["fraction"] == fraction),
                            None)
            logd, postlogd = p99("dgram-logd"), p99("postlogd")
            ratio = logd / postlogd if logd is not None and postlogd else None
            # 0 is at most half of 0: when neither made one send in a hundred wait, the goal holds
            # (the "waited" shares then say which came closer).
            met = logd is not None and postlogd is not None and logd <= 0.5 * postlogd
            rows.append({"key": key, "fraction": fraction, "offered": offered, "dgram-logd": logd,
                         "postlogd": postlogd, "rsyslog": p99("rsyslog"), "syslog-ng": p99("syslog-ng"),
                         "ratio": ratio, "met": met,
                         "waited": {n: waited(n) for n in ("dgram-logd", "postlogd", "rsyslog", "syslog-ng")}})
    return rows


def render(data, errors):
    st, facts, c = data["settings"], data["facts"], data["curves"]
    out = [BLOCK[0], "## The curves: rate, delay and senders' waits as the load changes", ""]
    w = out.append
    minutes = data["duration_s"] / 60
    w(f"Made by `{data['command']}` on {data['generated']} in {minutes:.1f} minutes "
      f"({'a quick smoke run: few points, one repetition' if st.get('quick') else 'medians of ' + str(st['reps']) + ' alternated repetitions'}); "
      f"the numbers are in `bench/results/{'curves-quick.json' if st.get('quick') else 'curves.json'}`. "
      f"Machine: {facts.get('nproc')} CPUs ({facts.get('cpu')}), kernel {facts.get('kernel')}, Debian "
      f"{facts.get('debian')}, Postfix {facts.get('postfix')}, dgram-server {facts.get('commit')}.")
    w("")
    w("Every figure below names its queue length. `net.unix.max_dgram_qlen` is how many datagrams may wait on a "
      "UNIX datagram socket before a blocking sender has to sleep; the kernel's default is 10 and systemd raises it "
      f"to 512 at boot. The harness sets it to each of {', '.join(str(q) for q in st['qlens'])} in turn, starts "
      "the receivers afresh (a socket keeps the value it was made with) and puts the machine's value back when it "
      "ends, also when interrupted. \"Spread\" lets the scheduler put the processes on any CPU; \"CPU 0\" pins "
      "the senders and the receivers to one CPU, where the rate is set by the CPU each side spends per datagram.")
    w("")
    w("The receivers: `raw-recvmmsg` is a bare loop around `recvmmsg(2)`, the fastest a receiver can be; "
      "`sink-1` and `sink-4` are dgram-sink, a dgram-server service that counts and drops, under a private "
      "Postfix master with 1 and 4 processes; `dgram-logd` and Postfix's `postlogd` write the records to "
      "/dev/null; `rsyslog` (imuxsock) and `syslog-ng` (a `unix-dgram()` source) are the system loggers people run, "
      "writing to /dev/null.")
    w("")

    def picture(name, caption):
        if errors.get(name):
            w(f"(no plot: {errors[name]})")
        else:
            w(f"![{caption}](results/curves-{name}.png)")
        w("")

    def rate_table(curve, axis, unit):
        cells = st["sizes"] if curve == "size" else st["senders"]
        for key, title in panels_of(data):
            table = c[curve].get(key, {})
            if not table:
                continue
            w(f"*{title}* (datagrams/s)")
            w("")
            w("| receiver | " + " | ".join(f"{x}{unit}" for x in cells) + " |")
            w("|---|" + "---:|" * len(cells))
            for name in contenders_in(data, curve):
                line = {p[axis]: p["rate"] for p in table.get(name, [])}
                w(f"| {name} | " + " | ".join(fmt(line.get(x)) for x in cells) + " |")
            w("")

    w("### Rate against datagram size")
    w("")
    w("One process sends as fast as it can with `send(2)`; the rate is datagrams received per second, timed from "
      "the sender's start until the last datagram was taken off the socket (for the system loggers: until their "
      "CPU time stopped growing, since they queue inside). Larger datagrams cost copying on both sides, so every "
      "curve falls; where a receiver's curve meets the raw one, the copy, not the receiver, sets the pace.")
    w("")
    picture("size", "datagrams per second against datagram size")
    rate_table("size", "size", " B")
    w("### Rate against the number of senders")
    w("")
    w("N processes send 100-byte datagrams at once, each on its own socket, sharing the count. A mail system is "
      "many processes logging at once. With more senders than CPUs the senders compete with the receiver for "
      "CPU; a receiver that takes more per wake-up (batches) holds up better.")
    w("")
    picture("senders", "datagrams per second against sending processes")
    rate_table("senders", "senders", "")
    w("### Rate against the queue length")
    w("")
    w("The same 100-byte floods, one sender (solid) and the most senders (dashed), at each queue length. A longer "
      "queue lets a sender run ahead of its receiver: fewer sleeps and wake-ups on both sides.")
    w("")
    picture("qlen", "datagrams per second at each queue length")
    w("### Receive delay against offered load")
    w("")
    w("A paced sender stamps each datagram with the time it was *scheduled* to be sent and the receiver records "
      "how long after that it took the datagram off the socket. Using the scheduled time, not the moment the "
      "sender got round to it, keeps a stall from hiding itself (\"coordinated omission\", corrected as wrk2 "
      "does): when the offered load passes what a receiver can take, the delays grow with the backlog, and the "
      "curve turns up. Loads are fractions of the capacity measured above for that receiver (100 B, one "
      "sender, same placement and queue length); p50 dotted, p99 solid, p99.9 dashed.")
    w("")
    picture("latency", "receive delay percentiles against offered load")
    for key, title in panels_of(data):
        table = c["latency"].get(key, {})
        if not table:
            continue
        w(f"*{title}* (microseconds: p50 / p99 / p99.9)")
        w("")
        fractions = st["latency_fractions"]
        w("| receiver | " + " | ".join(f"{f:.0%} load" for f in fractions) + " |")
        w("|---|" + "---:|" * len(fractions))
        for receiver, line in table.items():
            at = {p["fraction"]: p for p in line}
            w(f"| {LATENCY_NAMES.get(receiver, receiver)} | " + " | ".join(
                f"{fmt(at[f].get('p50_us'), 1)} / {fmt(at[f].get('p99_us'), 1)} / {fmt(at[f].get('p999_us'), 1)}"
                f" ({fmt(at[f].get('offered'))}/s)" if f in at else "-" for f in fractions) + " |")
        w("")
    w("### What a sender waits")
    w("")
    w(f"{st['wait_senders']} processes send 100-byte datagrams, paced together at a fraction of what "
      f"{st['wait_reference']} can take from that many senders, on blocking sockets as Postfix's log client does. "
      "Each datagram is first offered without blocking: taken at once, it waited 0; refused because the "
      "receiver's queue is full, it is sent blocking, and its wait runs from the first offer until the kernel took "
      "it: the sleep until the receiver made room and the wait for a CPU after. That is what a slow log daemon "
      "costs every process that logs. The p99 is the wait one send in a hundred exceeds, the p99.9 one in a "
      "thousand; the plot draws the p99 solid and the p99.9 dashed, and a wait of 0 (fewer than one send in "
      "a hundred, or a thousand, waited at all) at the bottom of its scale, 1 microsecond.")
    w("")
    picture("send-wait", "senders' p99 wait against offered load")
    w("The share of the sends that had to wait at all, the same runs:")
    w("")
    picture("send-waited", "share of sends that waited against offered load")
    for key, title in panels_of(data):
        table = c["send_wait"].get(key, {})
        if not table:
            continue
        fractions = st["wait_fractions"]
        w(f"*{title}* (p99 of the time one send() waited for room, microseconds / the share of sends that waited; "
          "the offered load in datagrams/s)")
        w("")
        offered = {p["fraction"]: p["offered"] for line in table.values() for p in line}
        w("| receiver | " + " | ".join(f"{f:.0%} ({fmt(offered.get(f))}/s)" for f in fractions) + " |")
        w("|---|" + "---:|" * len(fractions))
        for name in contenders_in(data, "send_wait"):
            at = {p["fraction"]: p for p in table.get(name, [])}
            w(f"| {name} | " + " | ".join(
                f"{fmt(at[f].get('send_wait_p99_us'), 1)} / " +
                ("-" if at[f].get("send_wait_waited") is None else f"{at[f]['send_wait_waited']:.2%}")
                if f in at else "-" for f in fractions) + " |")
        w("")
    w("**The goal**: with the senders offering 50% and 90% of postlogd's capacity, dgram-logd's p99 wait at most "
      "half of postlogd's.")
    w("")
    w("A send waits only when it finds the receiver's queue full (dgram-flood offers each datagram first without "
      "blocking; one taken at once waited 0), so a p99 of 0 means fewer than one send in a hundred waited at all; "
      "the last columns give the share of sends that waited, per logger (medians).")
    w("")
    w("| queue length, placement | load | offered/s | dgram-logd p99 µs | postlogd p99 µs | ratio | rsyslog p99 µs "
      "| syslog-ng p99 µs | met | sends that waited: dgram-logd / postlogd / rsyslog / syslog-ng |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|:---:|---|")
    for r in goal_rows(data):
        shares = " / ".join("-" if r["waited"][n] is None else f"{r['waited'][n]:.2%}"
                            for n in ("dgram-logd", "postlogd", "rsyslog", "syslog-ng"))
        w(f"| {r['key'].replace('/', ', ')} | {r['fraction']:.0%} | {fmt(r['offered'])} | {fmt(r['dgram-logd'], 1)} "
          f"| {fmt(r['postlogd'], 1)} | {fmt(r['ratio'], 2)} | {fmt(r['rsyslog'], 1)} | {fmt(r['syslog-ng'], 1)} "
          f"| {('yes (both 0)' if r['dgram-logd'] == 0 == r['postlogd'] else 'yes') if r['met'] else 'no'} | {shares} |")
    w("")
    if data.get("failures"):
        w("Problems in this run: " + "; ".join(x[:200] for x in data["failures"][:10]))
        w("")
    w(BLOCK[1])
    return "\n".join(out)


def main(argv):
    path = argv[0] if argv and not argv[0].startswith("--") else os.path.join(BENCH, "results", "curves.json")
    markdown = argv[argv.index("--markdown") + 1] if "--markdown" in argv else os.path.join(BENCH, "RESULTS.md")
    folder = argv[argv.index("--plots") + 1] if "--plots" in argv else os.path.dirname(os.path.abspath(path))
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        print(f"render_curves: cannot read {path}: {e}", file=sys.stderr)
        return 1
    errors = plots(data, folder)
    replace_block(markdown, render(data, errors), BLOCK)
    drawn = [k for k, v in errors.items() if not v]
    print(f"render_curves: wrote the curves block of {markdown}; plots: {', '.join(drawn) or 'none'}"
          + "".join(f"; {k}: {v}" for k, v in errors.items() if v))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
