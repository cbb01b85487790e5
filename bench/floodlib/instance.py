# SPDX-License-Identifier: MIT
"""instance - the private receivers' hosts: a Postfix instance and an rsyslogd.

DESCRIPTION
    PostfixInstance is tools/postfix-instance's Instance (the layout, the
    start and the stop are its), created at once with the bench's services
    and programs, plus what the bench asks of a master: its children by
    service, retire() (kill -HUP and wait for every child to end, so that
    they write their summaries) and complaints() (the maillog lines that show
    the master or a child unhappy). maillog_file_prefixes also allows
    /dev/null, where the loggers under test write.

    Rsyslog is a private rsyslogd in the foreground: imuxsock on two private
    sockets with rate limiting off, one to /dev/null (timed runs), one to a
    file (verification); its own configuration, work folder and pid file,
    never the system's.
"""

import os
import signal
import subprocess

from postfix_instance import Instance

from .system import ENV, alive, say, service_of, stop_process, wait_until

COMPLAINTS = ("partial status update", "ignoring status update", "bad command startup", "throttling",
              "fatal:", "panic:")


class PostfixInstance(Instance):
    """A private Postfix master in root: services are master.cf lines,
    programs are copied into its daemon directory, extra_main_cf is added
    to (or replaces the defaults of) main.cf."""

    def __init__(self, root, programs, services, extra_main_cf=""):
        super().__init__(root)
        self.create(services, [f"maillog_file_prefixes = {self.root}, /dev/null"] + extra_main_cf.splitlines(),
                    programs)

    def children(self, service=None):
        return [p for p in super().children() if service is None or service_of(p) == service]

    def retire(self, timeout=30):
        """retire - kill -HUP: every child ends (and reports); waits until they are gone."""
        before = self.children()
        os.kill(self.pid, signal.SIGHUP)
        if not wait_until(lambda: not any(alive(p) for p in before), timeout, 0.02):
            raise RuntimeError(f"children {before} did not exit after kill -HUP")

    def complaints(self):
        try:
            with open(self.maillog, errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            return []
        return [line for line in lines if any(b in line for b in COMPLAINTS)]

    def stop(self):
        for note in super().stop():
            say(note)


class Rsyslog:
    """A private rsyslogd in the foreground: imuxsock on two private sockets,
    rate limiting off; one to /dev/null (timed runs), one to a file (verification)."""

    def __init__(self, root):
        self.root = root
        os.makedirs(f"{root}/work", exist_ok=True)
        self.null_socket = f"{root}/null.sock"
        self.verify_socket = f"{root}/verify.sock"
        self.verify_file = f"{root}/verify.log"
        self.conf = f"{root}/rsyslog.conf"
        with open(self.conf, "w") as f:
            f.write(f'global(workDirectory="{root}/work" maxMessageSize="64k")\n'
                    'module(load="imuxsock" SysSock.Use="off")\n'
                    'ruleset(name="null") { action(type="omfile" file="/dev/null") }\n'
                    f'ruleset(name="verify") {{ action(type="omfile" file="{self.verify_file}") }}\n'
                    f'input(type="imuxsock" Socket="{self.null_socket}" RateLimit.Interval="0" Ruleset="null")\n'
                    f'input(type="imuxsock" Socket="{self.verify_socket}" RateLimit.Interval="0" '
                    'Ruleset="verify")\n')
        self.proc = None
        self.pid = None

    def start(self):
        out = open(f"{self.root}/rsyslogd.out", "ab")
        self.proc = subprocess.Popen(["rsyslogd", "-n", "-f", self.conf, "-i", f"{self.root}/rsyslogd.pid"],
                                     stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=ENV,
                                     start_new_session=True)
        self.pid = self.proc.pid
        if not wait_until(lambda: os.path.exists(self.null_socket) and os.path.exists(self.verify_socket), 15):
            raise RuntimeError("rsyslogd did not create its sockets")

    def stop(self):
        if self.proc is not None:
            stop_process(self.pid, "rsyslogd")
            self.proc.wait()
            self.proc = None
