# SPDX-License-Identifier: MIT
"""system - what the benchmark asks of the kernel: /proc, socket queues, bounded waits.

DESCRIPTION
    Constants (the Postfix programs, the environment of what is started here,
    clock ticks), the one line of progress (say), the CPU time and state of a
    process (for readiness: the receivers are measured by dgram-flood), the children of a process and the master.cf service a child
    serves, what waits on a UNIX datagram socket (ss's Recv-Q), and stopping
    a process started here by its pid. The /proc parser is the one of
    tools/lib/postfix_instance.py.
"""

import os
import re
import signal
import socket
import subprocess
import time

from postfix_instance import MASTER, MASTER_ENV, alive, proc_stat  # noqa: F401
from postfix_instance import wait_until as instance_wait_until

TICKS = os.sysconf("SC_CLK_TCK")
POSTLOGD = "/usr/lib/postfix/sbin/postlogd"
# What every program started here sees (the master's own environment too).
ENV = MASTER_ENV


def say(text):
    print(f"flood-compare: {text}", flush=True)


def cpu_seconds(pid):
    """cpu_seconds - utime + stime of a process (all its threads), in seconds; 0 when gone."""
    st = proc_stat(pid)
    return (st["utime"] + st["stime"]) / TICKS if st else 0.0


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
    """wait_until - tools/lib/postfix_instance.py's, polling every 10 ms by default."""
    return instance_wait_until(predicate, timeout, interval)


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
