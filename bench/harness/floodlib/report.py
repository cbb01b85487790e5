# SPDX-License-Identifier: MIT
"""report - what a run's numbers become: summaries, the api-cost block of RESULTS.md, facts.

DESCRIPTION
    summarize() turns the full comparison's runs into a table per contender
    and (queue length, placement, size, sender), keyed
    "QLEN/PLACEMENT/SIZE/SENDER" (e.g. "512/cpu0/100/send"): median, min and max rate, CPU per 10^6
    datagrams, context switches per datagram, batches, and the ratios to
    raw-recvmmsg, postlogd and rsyslog in the same placement and queue length.
    summarize_api_cost() does the same per placement and sender for
    --api-cost, with each contender's ratio to sink-1 (and its range within
    one repetition), and render_api_cost() writes that as the
    "api-cost-flood" block of bench/RESULTS.md (replace_block() puts it in
    place and leaves the rest of the file alone; bench/harness/render_results.py
    writes the rest from latest.json). machine_facts() is what the JSON says
    of the machine. publish() writes the JSON files and renders.
"""

import json
import os
import statistics
import subprocess
import sys

from .system import ENV, say

RESULTS_BLOCK = ("<!-- begin api-cost-flood -->", "<!-- end api-cost-flood -->")


def rate_and_cpu(ok):
    """rate_and_cpu - of the completed runs of one cell: how many, median/min/max rate,
    and the median child and master CPU seconds per 10^6 datagrams."""
    rates = [r["rate"] for r in ok]
    entry = {"runs": len(ok), "median": round(statistics.median(rates), 1), "min": min(rates), "max": max(rates)}
    for key in ("child_cpu", "master_cpu"):
        per = [r[key] / r["count"] * 1e6 for r in ok if r.get(key) is not None]
        if per:
            entry[key + "_per_1e6"] = round(statistics.median(per), 3)
    return entry


def summarize(runs, order, cells):
    """Per contender and (qlen, placement, size, sender), keyed "qlen/placement/size/sender":
    median/min/max rate, CPU per 10^6, context switches per datagram, ratios."""
    table = {}
    for name in order:
        for qlen, placement, size, sender in cells:
            ok = [r for r in runs if r["contender"] == name and r["size"] == size and r["sender"] == sender
                  and r.get("placement") == placement and r.get("qlen") == qlen and "rate" in r]
            if not ok:
                continue
            entry = rate_and_cpu(ok)
            for key in ("ctx_per_datagram", "master_ctx_per_datagram"):
                per = [r[key] for r in ok if r.get(key) is not None]
                if per:
                    entry[key] = round(statistics.median(per), 4)
            batches = [r["batch_mean"] for r in ok if r.get("batch_mean") is not None]
            if batches:
                entry["batch_mean"] = round(statistics.median(batches), 2)
            maxes = [r["batch_max"] for r in ok if r.get("batch_max") is not None]
            if maxes:
                entry["batch_max"] = max(maxes)
            waits = [r["send_wait_us"] for r in ok if r.get("send_wait_us")]
            if waits:
                entry["send_wait_p99_us"] = round(statistics.median(w["p99"] for w in waits), 3)
                entry["send_wait_share"] = round(statistics.median(w["share"] for w in waits), 4)
                waited = [w["waited"] for w in waits if "waited" in w]
                if waited:
                    entry["send_wait_waited"] = round(statistics.median(waited), 4)
            checks = [r["complete"] for r in ok if r.get("complete") is not None]
            if checks:
                entry["all_received"] = all(checks)
            table.setdefault(name, {})[f"{qlen}/{placement}/{size}/{sender}"] = entry
    for name in table:
        for cell, entry in table[name].items():
            for base, key in (("raw-recvmmsg", "vs_raw"), ("postlogd", "vs_postlogd"), ("rsyslog", "vs_rsyslog"),
                              ("syslog-ng", "vs_syslog_ng")):
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
                entry = rate_and_cpu(ok[name])
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


def counters_cost_lines(data, header):
    """counters_cost_lines - what the service counters cost, per cell: sink-1 (which
    counts into its counter file, the default) against sink-nocount (none), and
    sink-ts (counters and receive timestamps) against sink-nocount, as the share of the
    rate lost (negative: faster, within the noise). Nothing when the run had no
    sink-nocount."""
    s = data["settings"]
    if "sink-nocount" not in s["contenders"]:
        return []
    out = ["", "What the service counters cost: the rate lost against sink-nocount (the same sink "
           "without a counter file), medians of the same run (negative: faster, that is noise):", "",
           "| counted | " + " | ".join(header) + " |", "|---|" + "---:|" * len(header)]
    for name, what in (("sink-1", "counters (the default)"), ("sink-ts", "counters and time in queue")):
        if name not in s["contenders"]:
            continue
        cells = []
        for p in s["placements"]:
            for x in s["senders"]:
                cell = data["summary"].get(f"{p}/{x}", {})
                base, other = cell.get("sink-nocount"), cell.get(name)
                if not base or not other or not base["median"]:
                    cells.append("-")
                else:
                    cells.append(f"{100 * (1 - other['median'] / base['median']):+.1f}%")
        out.append(f"| {what} ({name}) | " + " | ".join(cells) + " |")
    return out


def render_api_cost(data):
    """render_api_cost - the RESULTS.md block of an --api-cost run."""
    s, f = data["settings"], data["facts"]
    qlen = s.get("machine_qlen", f.get("max_dgram_qlen"))
    out = [RESULTS_BLOCK[0], "## The API's cost, end to end (issues 8 and 19)", "",
           f"Generated by `{data['command']}` on {data['generated']} ({data['duration_s'] / 60:.1f} minutes; "
           f"{s['reps']} repetition(s) of {s['count']:,} datagrams of 100 bytes per flood; contenders alternated "
           "within each repetition, their order rotated, the two placements alternated). Contenders: " +
           "; ".join(f"**{n}** {data['labels'][n]}" for n in s["contenders"]) + ". Placements: **spread** "
           "(the scheduler's choice on both CPUs), **cpu0** (master, children and dgram-flood on CPU 0). "
           f"Every figure is at **net.unix.max_dgram_qlen = {qlen}**, the machine's (--api-cost leaves it as it "
           "is).", ""]
    out += [f"Datagrams/s at max_dgram_qlen {qlen}, median (min–max), and the median over sink-1's median in the "
            "same run "
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
    out += ["", f"CPU seconds per 10^6 datagrams at max_dgram_qlen {qlen}, median: child(ren) / master:", ""]
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
    out += ["", f"System calls per datagram at max_dgram_qlen {qlen} ({s['syscall_count']:,} datagrams of 100 bytes, "
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
    out += counters_cost_lines(data, header)
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


def replace_block(path, block, markers=RESULTS_BLOCK):
    """replace_block - puts block in place of the file's block between markers (the
    api-cost-flood block by default; at the end when it has none); the rest of the
    file is kept as it is."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        text = ""
    begin, end = text.find(markers[0]), text.find(markers[1])
    if begin >= 0 and end > begin:
        text = text[:begin] + block + text[end + len(markers[1]):]
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
    here = os.path.dirname(os.path.abspath(__file__))   # inside the repository: git describe
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


def publish_curves(result, args, here, results_dir):
    """publish_curves - RESULTS_DIR/curves.json (curves-quick.json for --quick: only the latest
    of each is kept), then bench/harness/render_curves.py draws it into RESULTS.md; 0, or 1 with problems."""
    os.makedirs(results_dir, exist_ok=True)
    path = os.path.join(results_dir, "curves-quick.json" if args.quick else "curves.json")
    with open(path, "w") as f:
        f.write(json.dumps(result, indent=1) + "\n")
    say(f"results: {path}, {result['duration_s']} s")
    if not args.no_render:
        subprocess.run([sys.executable, os.path.join(here, "render_curves.py"), path], check=False)
    if result["failures"]:
        say(f"{len(result['failures'])} problems:")
        for line in result["failures"]:
            print("  " + line[:500])
        return 1
    return 0


def publish(result, args, here, results_dir):
    """publish - RESULTS_DIR/latest.json or api-cost.json (-quick.json for --quick; each
    replaces the last of its kind), then RESULTS.md; 0, or 1 when the run had problems."""
    os.makedirs(results_dir, exist_ok=True)
    # Only the latest run of each kind is kept: latest.json (what
    # render_results.py draws the full comparison from), api-cost.json, and
    # their -quick twins, which git ignores.
    name = f"{'api-cost' if args.api_cost else 'latest'}{'-quick' if args.quick else ''}.json"
    text = json.dumps(result, indent=1) + "\n"
    paths = [os.path.join(results_dir, name)]
    for path in paths:
        with open(path, "w") as f:
            f.write(text)
    say(f"results: {' and '.join(paths)}, {result['duration_s']} s")
    if args.api_cost and not args.no_render:
        replace_block(os.path.join(os.path.dirname(here), "RESULTS.md"), render_api_cost(result))
        say(f"wrote the api-cost-flood block of {os.path.join(os.path.dirname(here), 'RESULTS.md')}")
    elif not args.no_render:
        subprocess.run([sys.executable, os.path.join(here, "render_results.py"),
                        os.path.join(results_dir, "latest.json")], check=False)
    if result["failures"]:
        say(f"{len(result['failures'])} problems:")
        for line in result["failures"]:
            print("  " + line[:500])
        return 1
    return 0
