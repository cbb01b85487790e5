#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""maxproc_compare - dgram-sink shared by 1, 2 or 4 children under a private
Postfix master: no work or 1 ms of sleep per datagram (dgram_sink_work_usec),
the gate handed on every turn (Postfix's way, dgram_busy_after_usec=0) or
only for busy turns (the default, 1000 us), in both placements (every process on CPU
0, and spread), beside the raw recvmmsg receiver. Rate = datagrams / the
sender's own seconds (dgram-flood, one blocking sender). Medians of REPS
(environment, default 3); the order of the services rotates per repetition.

    python3 bench/maxproc_compare.py [BUILD_DIR]     (default: build)
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from floodlib.instance import PostfixInstance  # noqa: E402
from floodlib.runs import PLACEMENTS  # noqa: E402
from floodlib.system import wait_until  # noqa: E402

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
SINK = f"{BUILD}/tools/dgram-sink"
LOGD = f"{BUILD}/tools/dgram-logd"
FLOOD = f"{BUILD}/tools/dgram-flood"
RAW = f"{BUILD}/bench/raw-receiver"
REPS = int(os.environ.get("REPS", "3"))
COUNT = {0: 300000, 1000: 2000}
WARM = {0: 5000, 1000: 200}
HANDOFF = {"every": " -o dgram_busy_after_usec=0", "busy": ""}


def flood(prefix, socket, count, size=100):
    done = subprocess.run(prefix + [FLOOD, "--quiet", "--json", "-n", str(count), "-s", str(size), socket],
                          check=True, timeout=300, capture_output=True, text=True)
    return json.loads(done.stdout)["datagrams_per_second"]


def main():
    root = tempfile.mkdtemp(prefix="maxproc-compare-", dir="/tmp")
    os.chmod(root, 0o755)
    services = []
    lines = ["postlog unix-dgram n - n - 1 dgram-logd"]
    for handoff, option in HANDOFF.items():
        for work in (0, 1000):
            for maxproc in (1, 2, 4):
                name = f"{handoff[0]}{maxproc}w{work}"
                services.append((name, handoff, maxproc, work))
                lines.append(f"{name} unix-dgram n - n - {maxproc} dgram-sink -o max_use=0 "
                             f"-o dgram_sink_work_usec={work}{option}")
    instance = PostfixInstance(root + "/p", [SINK, LOGD], lines)
    results = {}
    try:
        instance.start()
        for rep in range(REPS):
            for placement in (["cpu0", "spread"] if rep % 2 == 0 else ["spread", "cpu0"]):
                cpus = PLACEMENTS[placement]
                instance.retire()
                os.sched_setaffinity(instance.pid, cpus if cpus is not None else set(range(os.cpu_count())))
                prefix = ["taskset", "-c", "0"] if cpus else []
                raw_socket = f"{root}/raw.sock"
                if os.path.exists(raw_socket):
                    os.unlink(raw_socket)
                raw = subprocess.Popen(prefix + [RAW, "--socket", raw_socket, "--count", str(COUNT[0]),
                                                 "--mode", "recvmmsg"], stdout=subprocess.DEVNULL)
                wait_until(lambda: os.path.exists(raw_socket), 10)
                rate = flood(prefix, raw_socket, COUNT[0])
                raw.wait(timeout=30)
                results.setdefault((placement, "raw"), []).append(rate)
                print(f"rep {rep} {placement:6} raw recvmmsg {rate:>10.0f}/s", flush=True)
                order = services[rep % len(services):] + services[:rep % len(services)]
                for name, handoff, maxproc, work in order:
                    socket = instance.socket(name)
                    subprocess.run(prefix + [FLOOD, "--quiet", "-n", str(WARM[work]), socket], check=True, timeout=60)
                    rate = flood(prefix, socket, COUNT[work])
                    children = len(instance.children(name))
                    results.setdefault((placement, handoff, work, maxproc), []).append(rate)
                    print(f"rep {rep} {placement:6} hand-off {handoff:5} work {work:4} maxproc {maxproc}: "
                          f"{rate:>10.0f}/s  children {children}", flush=True)
        instance.retire()
        print("master complaints:", instance.complaints()[:5])
        print("\n| placement | hand-off | work per datagram | raw | maxproc 1 | maxproc 2 | maxproc 4 | 2 vs 1 | 4 vs 1 |")
        print("|---|---|---|---:|---:|---:|---:|---:|---:|")
        for placement in ("cpu0", "spread"):
            raw = statistics.median(results[(placement, "raw")])
            for handoff in HANDOFF:
                for work in (0, 1000):
                    med = {mp: statistics.median(results[(placement, handoff, work, mp)]) for mp in (1, 2, 4)}
                    print(f"| {placement} | {handoff} | {'none' if work == 0 else '1 ms sleep'} | {raw:,.0f} | "
                          f"{med[1]:,.0f} | {med[2]:,.0f} | {med[4]:,.0f} | {med[2] / med[1]:.2f}x | "
                          f"{med[4] / med[1]:.2f}x |")
    finally:
        instance.stop()
        import shutil
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
