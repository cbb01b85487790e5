#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# qlen_test - bench/harness/floodlib/qlen.py puts net.unix.max_dgram_qlen back however
# the process that set it ends.
#
# Each case starts `python3 -m floodlib.qlen VALUE` (in bench/harness/): it sets the
# value, says so on standard output and waits for a line on standard input.
# The test reads that line (bounded), checks the value, then ends the child:
# SIGINT, SIGTERM, SIGHUP, or the line it waits for; and checks that the
# value is the one the machine had. It also checks that a value that cannot
# be written is reported with the value and the file. The value is
# machine-wide: run alone (is_parallel: false); skipped (77) when not root.
# Usage: qlen_test.py SOURCE_ROOT. Exit 0 when every case passes, 1 otherwise.
import os
import select
import signal
import subprocess
import sys
import time

PATH = "/proc/sys/net/unix/max_dgram_qlen"
WAIT = 20.0   # seconds: the longest any step may take


def read_value():
    with open(PATH) as f:
        return int(f.read())


def read_line(stream, timeout):
    """read_line - one line from the child's stdout within timeout, or None."""
    deadline = time.monotonic() + timeout
    data = b""
    fd = stream.fileno()
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 256)
        if not chunk:
            return None
        data += chunk
    return data.decode().strip()


def case(bench, name, value, machine, end):
    """case - a child sets value; end(child) ends it; the machine's value must be back."""
    child = subprocess.Popen([sys.executable, "-m", "floodlib.qlen", str(value)], cwd=bench,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    problems = []
    try:
        line = read_line(child.stdout, WAIT)
        if line is None or not line.startswith(f"set {value} "):
            problems.append(f"the child did not say it set {value}: {line!r}")
        elif read_value() != value:
            problems.append(f"the child said it set {value}, the file reads {read_value()}")
        end(child)
        try:
            code = child.wait(WAIT)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            problems.append(f"the child did not end within {WAIT:.0f} s")
            code = None
        after = read_value()
        if after != machine:
            problems.append(f"after the child ended ({code}) the value is {after}, not the machine's {machine}")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if read_value() != machine:   # never leave the machine changed, even when failing
            with open(PATH, "w") as f:
                f.write(f"{machine}\n")
    err = child.stderr.read().decode(errors="replace")
    child.stdout.close()
    child.stderr.close()
    child.stdin.close()
    print(f"{'ok' if not problems else 'FAIL'}: {name}" + "".join(f"\n  {p}" for p in problems) +
          (f"\n  child's stderr: {err.strip()[-500:]}" if problems and err.strip() else ""))
    return not problems


def by_line(child):
    child.stdin.write(b"\n")
    child.stdin.flush()


def main():
    if len(sys.argv) != 2:
        print("usage: qlen_test.py SOURCE_ROOT", file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("SKIP: setting net.unix.max_dgram_qlen needs root")
        return 77
    bench = os.path.join(sys.argv[1], "bench", "harness")
    machine = read_value()
    value = machine + 27 if machine != 37 else 38
    results = [
        case(bench, "normal exit", value, machine, by_line),
        case(bench, "SIGINT", value, machine, lambda c: c.send_signal(signal.SIGINT)),
        case(bench, "SIGTERM", value, machine, lambda c: c.send_signal(signal.SIGTERM)),
        case(bench, "SIGHUP", value, machine, lambda c: c.send_signal(signal.SIGHUP)),
    ]
    # A value that cannot be written: the error names the value and the file.
    sys.path.insert(0, bench)
    from floodlib.qlen import QueueLength, QueueLengthError   # noqa: E402
    missing = "/nonexistent-dgram-qlen/max_dgram_qlen"
    try:
        from floodlib.qlen import write_qlen
        write_qlen(123, missing)
        results.append(False)
        print("FAIL: writing to a missing file raised nothing")
    except QueueLengthError as e:
        ok = "123" in str(e) and missing in str(e)
        results.append(ok)
        print(f"{'ok' if ok else 'FAIL'}: the error names the value and the file: {e}")
    # An exception inside the block restores too (in this process).
    try:
        with QueueLength() as q:
            q.set(value)
            raise ValueError("inside")
    except ValueError:
        pass
    ok = read_value() == machine
    results.append(ok)
    print(f"{'ok' if ok else 'FAIL'}: an exception inside the block restores the value ({read_value()})")
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
