# SPDX-License-Identifier: MIT
"""qlen - net.unix.max_dgram_qlen: read it, set it for a while, always put it back.

SUMMARY
    with QueueLength() as q:       # q.machine: the value found on entry
        q.set(512)                 # sockets made from now on queue 512
        ...                        # left as it was found, however this ends

DESCRIPTION
    The kernel copies net.unix.max_dgram_qlen into a UNIX datagram socket
    when the socket is made, and the receiving socket's copy bounds its
    queue: a new value holds only for sockets made afterwards, so whoever
    sets it must (re)start its receivers after.

    QueueLength is a context manager over /proc/sys/net/unix/max_dgram_qlen
    (a machine-wide value). It reads the value on entry (machine) and writes
    it back on leaving when set() changed it: on a normal exit, on an
    exception, on SIGINT (Python's KeyboardInterrupt, whose handler is put in
    place for the while even when SIGINT was ignored) and on SIGTERM and
    SIGHUP, which it turns into SystemExit(128 + signal) for the while so
    that every finally block runs. The signals are blocked while the value is
    written back, so that a second one cannot cut the restore short. The
    previous handlers are put back on leaving. A SIGKILL cannot be caught:
    bench/flood-compare also writes the value back when Python has ended.

    The handlers are only installed from the main thread (Python allows no
    other); elsewhere only the exceptions and the normal exit are covered.

DIAGNOSTICS
    QueueLengthError (a RuntimeError) when the file cannot be read or the
    value cannot be written, naming the value and the file; a write that
    reads back otherwise is an error too.
"""

import os
import signal
import threading

PATH = "/proc/sys/net/unix/max_dgram_qlen"
SIGNALS_TO_EXIT = (signal.SIGTERM, signal.SIGHUP)


class QueueLengthError(RuntimeError):
    pass


def read_qlen(path=PATH):
    """read_qlen - the value in path, an int."""
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError) as e:
        raise QueueLengthError(f"cannot read net.unix.max_dgram_qlen from {path}: {e}") from None


def write_qlen(value, path=PATH):
    """write_qlen - writes value into path and checks that it reads back."""
    try:
        with open(path, "w") as f:
            f.write(f"{int(value)}\n")
    except (OSError, ValueError) as e:
        raise QueueLengthError(f"cannot set net.unix.max_dgram_qlen to {value} in {path}: {e}"
                               + (" (root is needed)" if isinstance(e, PermissionError) else "")) from None
    got = read_qlen(path)
    if got != int(value):
        raise QueueLengthError(f"set net.unix.max_dgram_qlen to {value} in {path}, but it reads {got}")


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


class QueueLength:
    """The machine's max_dgram_qlen (machine), set() for the while, restored on leaving."""

    def __init__(self, path=PATH):
        self.path = path
        self.machine = None     # the value found on entry
        self.current = None     # the value set last (machine until set() is called)
        self.touched = False    # set() has written at least once
        self.saved_handlers = {}

    def __enter__(self):
        self.machine = self.current = read_qlen(self.path)
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNALS_TO_EXIT:
                self.saved_handlers[signum] = signal.signal(signum, _exit_on_signal)
            self.saved_handlers[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
        return self

    def set(self, value):
        """set - writes value (sockets made from now on get it); QueueLengthError when it cannot."""
        value = int(value)
        if value < 1:
            raise QueueLengthError(f"net.unix.max_dgram_qlen must be positive, not {value} ({self.path})")
        self.touched = True     # before the write: a signal during it still restores
        write_qlen(value, self.path)
        self.current = value

    def restore(self):
        """restore - the machine's value back, when set() ever wrote; idempotent."""
        if self.touched and read_qlen(self.path) != self.machine:
            write_qlen(self.machine, self.path)
        self.current = self.machine
        self.touched = False

    def __exit__(self, kind, value, traceback):
        blocked = set(self.saved_handlers)
        if blocked:
            signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        try:
            self.restore()
        finally:
            for signum, handler in self.saved_handlers.items():
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
            self.saved_handlers = {}
            if blocked:
                # A signal that came in meanwhile is handled now, by the old handler.
                signal.pthread_sigmask(signal.SIG_UNBLOCK, blocked)
        return False


def main(argv):
    """python3 -m floodlib.qlen [VALUE]: prints the value, or sets it and waits for a line
    on standard input (or a signal), then restores it: what tests/qlen_test.py drives."""
    import sys
    with QueueLength() as q:
        if not argv:
            print(q.machine, flush=True)
            return 0
        q.set(int(argv[0]))
        print(f"set {q.current} (was {q.machine})", flush=True)
        sys.stdin.readline()
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
