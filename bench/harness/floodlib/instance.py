# SPDX-License-Identifier: MIT
"""instance - the private receivers' hosts: a Postfix instance, an rsyslogd and a syslog-ng.

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

    SyslogNg is a private syslog-ng in the foreground (-F) with two
    unix-dgram() sources, one logged to /dev/null (timed runs), one to a file
    (verification), both paths with flags(flow-control) so that a full
    destination queue makes syslog-ng stop reading (the sender then waits)
    instead of dropping; no rate limit; messages up to 64 KiB
    (log-msg-size). Its configuration, persist file, pid file and control
    socket are in its own folder, never /etc/syslog-ng or /var/lib/syslog-ng.
    Debian's syslog-ng-core conflicts with rsyslog (both provide
    system-log-daemon), so bench/flood-compare unpacks the package instead of
    installing it and names the folder in FLOOD_COMPARE_SYSLOG_NG; without it
    the syslog-ng on PATH is used.
"""

import glob
import os
import re
import shutil
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
        for path in (self.null_socket, self.verify_socket):   # a restart's (--qlens): made anew
            if os.path.exists(path):
                os.unlink(path)
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
            self.pid = None


class SyslogNg:
    """A private syslog-ng in the foreground: unix-dgram() on two private sockets,
    flow control on, no rate limit; one to /dev/null (timed runs), one to a file
    (verification)."""

    def __init__(self, root):
        self.root = root
        os.makedirs(root, exist_ok=True)
        self.null_socket = f"{root}/null.sock"
        self.verify_socket = f"{root}/verify.sock"
        self.verify_file = f"{root}/verify.log"
        self.conf = f"{root}/syslog-ng.conf"
        self.proc = None
        self.pid = None
        self.version = None   # known once started

    @staticmethod
    def program():
        """program - (argv start, extra environment, version): the unpacked Debian package
        named by FLOOD_COMPARE_SYSLOG_NG, else the syslog-ng on PATH."""
        unpacked = os.environ.get("FLOOD_COMPARE_SYSLOG_NG")
        env = {}
        if unpacked:
            binary = f"{unpacked}/usr/sbin/syslog-ng"
            modules = sorted(glob.glob(f"{unpacked}/usr/lib/syslog-ng/[0-9]*"))
            argv = [binary] + ([f"--module-path={modules[-1]}"] if modules else [])
            env["LD_LIBRARY_PATH"] = f"{unpacked}/usr/lib/syslog-ng"
        else:
            binary = shutil.which("syslog-ng") or shutil.which("syslog-ng", path="/usr/sbin:/sbin")
            if not binary:
                raise RuntimeError("no syslog-ng: bench/flood-compare unpacks Debian's syslog-ng-core")
            argv = [binary]
        try:
            out = subprocess.run(argv + ["--version"], capture_output=True, text=True, timeout=30,
                                 env={**ENV, **env}).stdout
        except (OSError, subprocess.TimeoutExpired) as e:
            raise RuntimeError(f"{binary} --version failed: {e}") from None
        m = re.search(r"^Installer-Version:\s*([0-9]+\.[0-9]+)(\S*)", out, re.M)
        if not m:
            raise RuntimeError(f"{binary} --version does not say its version: {out.strip()[:200]}")
        return argv, env, m.group(1) + m.group(2)

    def write_config(self, version):
        major_minor = ".".join(version.split(".")[:2])
        # Local sources: no DNS, the messages' own host names kept, no
        # periodic statistics or MARK messages in the way.
        text = (f"@version: {major_minor}\n"
                "options { log-msg-size(65536); stats-freq(0); mark-freq(0); use-dns(no); dns-cache(no); };\n"
                f'source s_null {{ unix-dgram("{self.null_socket}"); }};\n'
                f'source s_verify {{ unix-dgram("{self.verify_socket}"); }};\n'
                'destination d_null { file("/dev/null"); };\n'
                f'destination d_verify {{ file("{self.verify_file}"); }};\n'
                "log { source(s_null); destination(d_null); flags(flow-control); };\n"
                "log { source(s_verify); destination(d_verify); flags(flow-control); };\n")
        with open(self.conf, "w") as f:
            f.write(text)

    def start(self):
        argv, env, self.version = self.program()
        self.write_config(self.version)
        for path in (self.null_socket, self.verify_socket):
            if os.path.exists(path):
                os.unlink(path)
        out = open(f"{self.root}/syslog-ng.out", "ab")
        self.proc = subprocess.Popen(argv + ["-F", "--no-caps", f"--cfgfile={self.conf}",
                                             f"--persist-file={self.root}/syslog-ng.persist",
                                             f"--pidfile={self.root}/syslog-ng.pid",
                                             f"--control={self.root}/syslog-ng.ctl"],
                                     stdin=subprocess.DEVNULL, stdout=out, stderr=out, env={**ENV, **env},
                                     start_new_session=True)
        self.pid = self.proc.pid
        if not wait_until(lambda: self.proc.poll() is not None or
                          (os.path.exists(self.null_socket) and os.path.exists(self.verify_socket)), 15):
            self.stop()
            raise RuntimeError("syslog-ng did not create its sockets")
        if self.proc.poll() is not None:
            with open(f"{self.root}/syslog-ng.out", errors="replace") as f:
                text = f.read()[-1500:]
            self.proc = None
            raise RuntimeError(f"syslog-ng ended while starting: {text}")

    def stop(self):
        if self.proc is not None:
            stop_process(self.pid, "syslog-ng")
            self.proc.wait()
            self.proc = None
            self.pid = None
