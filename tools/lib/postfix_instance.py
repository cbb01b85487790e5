# SPDX-License-Identifier: MIT
"""postfix_instance - one private Postfix instance in a folder of its own.

SUMMARY
    tools/postfix-instance create DIR [--main-cf-line 'NAME = VALUE']...
                                      [--service 'MASTER.CF LINE']... [--program PATH]...
    tools/postfix-instance write-master-cf DIR [--service 'MASTER.CF LINE']...
    tools/postfix-instance install DIR PROGRAM...
    tools/postfix-instance run DIR
    tools/postfix-instance ready DIR [--pid PID] [--timeout SECONDS]
    tools/postfix-instance start DIR [--timeout SECONDS]
    tools/postfix-instance pid DIR
    tools/postfix-instance reload DIR
    tools/postfix-instance stop DIR [--timeout SECONDS]
    From Python: sys.path gets tools/lib, then postfix_instance.Instance(DIR).

DESCRIPTION
    The one place that knows how a private Postfix instance is laid out, how
    its master is started and how it is stopped. tools/demo (bash),
    tests/support/postfix_instance.cpp (C++) and bench/ (Python: floodlib,
    soak_run.py) all use it. Nothing here reads or writes /etc/postfix or
    /var/spool/postfix, and the system's Postfix instance is never started.
    Root is needed: Postfix's master refuses to run otherwise, and the
    folders below belong to the postfix user.

    create DIR lays the instance out in DIR (made when missing):

      DIR/               0755
        etc/main.cf      compatibility_level = 3.6, queue_directory,
                         data_directory, daemon_directory, mail_owner =
                         postfix, maillog_file = DIR/log/maillog,
                         maillog_file_prefixes = DIR. A --main-cf-line takes
                         the place of the default of the same parameter, or
                         is added at the end.
        etc/master.cf    the --service lines, as given
        spool/           queue_directory, 0755 root
          pid/           0755 root; the master writes pid/master.pid
          public/        2710 postfix:postdrop (sockets of private = n services)
          private/       0700 postfix
        data/            data_directory, 0700 postfix
        libexec/         daemon_directory: copies of the --program files, 0755
        log/             0755: maillog, and master.out, where the master's
                         and its children's standard output and error go

    main.cf and master.cf are dated one minute back whenever they are
    written, so that Postfix takes a fresh file as it is at once.

    write-master-cf DIR replaces master.cf (before a reload); install DIR
    copies programs into the daemon directory under their own names.

    run DIR becomes the master, `master -c DIR/etc -d`, through exec: in a
    new session (so that the master leads the process group of its
    children, which its SIGTERM goes to; a job of an interactive shell
    leads its group already and keeps it), standard input /dev/null, standard output and error appended to
    log/master.out, the environment only PATH and LC_ALL=C. The process id
    stays the same, so a program that forks `run` keeps the master as its
    own child and reaps it. It refuses when a master of this instance
    already runs, and first removes the sockets and fifos of master.cf's
    services that an earlier master left, so that `ready` sees this
    master's.

    ready DIR waits (default 15 s) until pid/master.pid names a running
    master of this instance (with --pid: that process) and every unix,
    unix-dgram and fifo service of master.cf has its socket or fifo; then it
    prints the master's pid. With --pid it gives up as soon as that process
    has ended.

    start DIR is run in the background, then ready: it prints the master's
    pid. The master outlives the command, and its parent becomes init (as
    after `postfix start`); a program that can reap it had better fork
    `run` itself and call `ready`.

    pid DIR prints the pid of this instance's running master.
    reload DIR sends it SIGHUP (what `postfix reload` does).

    stop DIR sends SIGTERM to the master alone, by the pid in
    pid/master.pid once /proc/PID/cmdline shows it is this instance's
    master (Postfix's master passes the signal on to its process group,
    i.e. its children). It waits up to --timeout seconds (default 10) for
    the master to end, then sends SIGKILL. Then it waits up to 5 s for the
    children the master had when it was stopped; each is known by its pid
    and its start time, so a pid used again by another process is never
    signalled. Any child still there gets SIGKILL. A stopped master that is
    its caller's child stays a zombie until that caller reaps it; a zombie
    counts as ended everywhere here.

DIAGNOSTICS
    Exit status 0 on success; 1 on failure, with one line
    `postfix-instance: ...` on standard error (ready and start add the end
    of master.out and maillog); 2 for a bad command line. stop exits 0 when
    no master of this instance runs, and 1 when it had to send SIGKILL,
    naming the processes. From Python, the same failures raise
    InstanceError; nothing is printed.

SEE ALSO
    master(8), postconf(5), master(5) of Postfix; tests/postfix_instance_tool_test.sh.
"""

import argparse
import os
import shutil
import signal
import stat
import subprocess
import sys
import time

MASTER = "/usr/lib/postfix/sbin/master"
# The master and the programs it starts see only this.
MASTER_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
BACKDATE_SECONDS = 60
CHILD_BOUND_SECONDS = 5.0


class InstanceError(RuntimeError):
    """What went wrong, in one line (plus, for start-up, the master's output)."""


# ---------------------------------------------------------------- /proc

def proc_stat(pid):
    """proc_stat - state, ppid, process group, CPU ticks and start time of pid; None when gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    rest = text[text.rfind(")") + 2:].split()
    return {"state": rest[0], "ppid": int(rest[1]), "pgrp": int(rest[2]), "utime": int(rest[11]),
            "stime": int(rest[12]), "cutime": int(rest[13]), "cstime": int(rest[14]),
            "starttime": int(rest[19])}


def alive(pid):
    """alive - pid exists and is no zombie."""
    st = proc_stat(pid)
    return st is not None and st["state"] != "Z"


def children_of(ppid):
    """children_of - the running (not zombie) processes whose parent is ppid."""
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = proc_stat(int(name))
            if st and st["ppid"] == ppid and st["state"] != "Z":
                pids.append(int(name))
    return pids


def same_process(pid, starttime):
    """same_process - pid still runs and is the process that started at starttime."""
    st = proc_stat(pid)
    return st is not None and st["state"] != "Z" and st["starttime"] == starttime


def wait_until(predicate, timeout, interval=0.02):
    """wait_until - polls predicate until true or timeout seconds passed; its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def tail(path, size=3000):
    try:
        with open(path, errors="replace") as f:
            return f.read()[-size:]
    except OSError:
        return None


# ---------------------------------------------------------------- the instance

class Instance:
    """A private instance in root. Holds no process of its own except, after
    start(), the Popen of the master it forked (proc), which stop() reaps."""

    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.etc = f"{self.root}/etc"
        self.spool = f"{self.root}/spool"
        self.data = f"{self.root}/data"
        self.libexec = f"{self.root}/libexec"
        self.log = f"{self.root}/log"
        self.maillog = f"{self.log}/maillog"
        self.master_out = f"{self.log}/master.out"
        self.pid_file = f"{self.spool}/pid/master.pid"
        self.proc = None   # the master, when this object forked it
        self.pid = None    # the master's pid, once started or found

    # -- layout

    def default_main_cf(self):
        """default_main_cf - the main.cf parameters of every instance, in order."""
        return [("compatibility_level", "3.6"), ("queue_directory", self.spool),
                ("data_directory", self.data), ("daemon_directory", self.libexec),
                ("mail_owner", "postfix"), ("maillog_file", self.maillog),
                ("maillog_file_prefixes", self.root)]

    def create(self, services=(), main_cf_lines=(), programs=()):
        """create - the folders with their owners and modes, main.cf, master.cf, programs."""
        for d in ["etc", "spool/pid", "spool/public", "spool/private", "data", "libexec", "log"]:
            os.makedirs(f"{self.root}/{d}", exist_ok=True)
        for d in [self.root, self.spool, f"{self.spool}/pid", self.log]:
            os.chmod(d, 0o755)
        try:
            shutil.chown(f"{self.spool}/public", "postfix", "postdrop")
            for d in [f"{self.spool}/private", self.data]:
                shutil.chown(d, "postfix")
        except LookupError as e:
            raise InstanceError(f"Postfix's user or group is missing ({e}): install postfix (tools/test does)")
        except PermissionError:
            raise InstanceError("cannot give the queue folders to postfix: run as root")
        os.chmod(f"{self.spool}/public", 0o2710)
        for d in [f"{self.spool}/private", self.data]:
            os.chmod(d, 0o700)
        self.write_main_cf(main_cf_lines)
        self.write_master_cf(services)
        self.install(programs)

    def write_main_cf(self, lines=()):
        params = dict(self.default_main_cf())
        order = list(params)
        extra = []
        for line in lines:
            name, sep, value = line.partition("=")
            name = name.strip()
            if sep and name in params:
                params[name] = value.strip()
            else:
                extra.append(line)
        text = "".join(f"{name} = {params[name]}\n" for name in order) + "".join(x + "\n" for x in extra)
        self.write_config(f"{self.etc}/main.cf", text)

    def write_master_cf(self, services):
        self.write_config(f"{self.etc}/master.cf", "".join(line + "\n" for line in services))

    @staticmethod
    def write_config(path, text):
        with open(path, "w") as f:
            f.write(text)
        past = time.time() - BACKDATE_SECONDS
        os.utime(path, (past, past))

    def install(self, programs):
        for program in programs:
            target = f"{self.libexec}/{os.path.basename(program)}"
            try:
                shutil.copyfile(program, target)
            except OSError as e:
                raise InstanceError(f"cannot copy {program} into {self.libexec}: {e.strerror}")
            os.chmod(target, 0o755)

    def service_paths(self):
        """service_paths - where the master binds master.cf's unix, unix-dgram and fifo services."""
        paths = []
        try:
            with open(f"{self.etc}/master.cf") as f:
                lines = f.read().splitlines()
        except OSError as e:
            raise InstanceError(f"cannot read {self.etc}/master.cf: {e.strerror}")
        for line in lines:
            if not line.strip() or line.lstrip().startswith("#") or line[0].isspace():
                continue   # blank, comment, or the continuation of a service
            fields = line.split()
            if len(fields) >= 3 and fields[1] in ("unix", "unix-dgram", "fifo"):
                paths.append(f"{self.spool}/{'public' if fields[2] == 'n' else 'private'}/{fields[0]}")
        return paths

    def socket(self, service):
        """socket - the path of a public (private = n) service."""
        return f"{self.spool}/public/{service}"

    # -- the master

    def master_argv(self):
        return [MASTER, "-c", self.etc, "-d"]

    def is_master(self, pid):
        """is_master - pid runs `master -c THIS/etc` (a zombie or another program: no)."""
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = [w.decode(errors="replace") for w in f.read().split(b"\0") if w]
        except OSError:
            return False
        return (bool(argv) and os.path.basename(argv[0]) == "master" and "-c" in argv[:-1]
                and argv[argv.index("-c") + 1] == self.etc and alive(pid))

    def running_pid(self):
        """running_pid - the pid of this instance's running master, by its pid file; None if none."""
        try:
            with open(self.pid_file) as f:
                pid = int(f.read().strip() or 0)
        except (OSError, ValueError):
            return None
        return pid if pid > 0 and self.is_master(pid) else None

    def prepare_start(self):
        if not os.access(MASTER, os.X_OK):
            raise InstanceError(f"{MASTER} is missing: install postfix (tools/test does)")
        if os.geteuid() != 0:
            raise InstanceError("the Postfix master runs as root only")
        running = self.running_pid()
        if running:
            raise InstanceError(f"a master of {self.root} runs already (pid {running})")
        for path in self.service_paths():
            try:
                if stat.S_ISSOCK(os.lstat(path).st_mode) or stat.S_ISFIFO(os.lstat(path).st_mode):
                    os.unlink(path)
            except FileNotFoundError:
                pass

    def exec_master(self):
        """exec_master - becomes the master (see run); returns only by raising."""
        self.prepare_start()
        out = os.open(self.master_out, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        null = os.open("/dev/null", os.O_RDONLY)
        # A new session makes the master a process group leader, which its
        # SIGTERM to the group needs; a group leader already (a shell job)
        # cannot, and need not.
        if os.getpgrp() != os.getpid():
            os.setsid()
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(null)
        os.close(out)
        os.execve(MASTER, self.master_argv(), MASTER_ENV)

    def spawn(self):
        """spawn - forks the master (as run does) as this process's child; its Popen."""
        self.prepare_start()
        with open(self.master_out, "ab") as out:
            self.proc = subprocess.Popen(self.master_argv(), stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                         env=MASTER_ENV, start_new_session=True)
        self.pid = self.proc.pid
        return self.proc

    def output(self):
        """output - the end of master.out and maillog, for a failure's message."""
        text = ""
        for path in (self.master_out, self.maillog):
            content = tail(path)
            if content is not None:
                text += f"\n--- {os.path.basename(path)}:\n" + content
        return text

    def wait_ready(self, pid=None, timeout=15.0):
        """wait_ready - see ready; returns the master's pid."""
        paths = self.service_paths()
        found = None

        def up():
            nonlocal found
            if pid is not None and not alive(pid):
                return True
            found = self.running_pid()
            return found is not None and (pid is None or found == pid) and all(os.path.exists(p) for p in paths)

        wait_until(up, timeout)
        if pid is not None and not alive(pid):
            raise InstanceError(f"the master (pid {pid}) of {self.root} ended while starting:" + self.output())
        missing = [p for p in paths if not os.path.exists(p)]
        if found is None or (pid is not None and found != pid) or missing:
            what = "no master.pid naming a running master" if found is None or (pid and found != pid) \
                else "no " + " ".join(missing)
            raise InstanceError(f"the master of {self.root} did not start within {timeout:g} s ({what}):" +
                                self.output())
        self.pid = found
        return found

    def start(self, timeout=15.0):
        """start - spawn, then wait_ready; the master stays this process's child. Its pid."""
        self.spawn()
        try:
            return self.wait_ready(self.proc.pid, timeout)
        except InstanceError:
            self.stop()
            raise

    def reload(self):
        pid = self.running_pid()
        if pid is None:
            raise InstanceError(f"no master of {self.root} runs")
        os.kill(pid, signal.SIGHUP)
        return pid

    def children(self):
        """children - the master's running children (none when no master runs)."""
        pid = self.pid or self.running_pid()
        return children_of(pid) if pid and alive(pid) else []

    def stop(self, timeout=10.0, child_timeout=CHILD_BOUND_SECONDS):
        """stop - see DESCRIPTION; returns what needed SIGKILL (empty: a clean stop)."""
        pid = self.running_pid()
        if pid is None and self.pid and self.proc is not None and alive(self.pid):
            pid = self.pid     # our own child, before it wrote its pid file
        notes = []
        if pid is not None:
            had = [(c, st["starttime"]) for c in children_of(pid) if (st := proc_stat(c))]
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            if not wait_until(lambda: not alive(pid), timeout, 0.02):
                notes.append(f"the master (pid {pid}) ignored SIGTERM for {timeout:g} s: SIGKILL")
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                wait_until(lambda: not alive(pid), 5, 0.02)
            if not wait_until(lambda: not any(same_process(c, t) for c, t in had), child_timeout, 0.02):
                left = [c for c, t in had if same_process(c, t)]
                notes.append(f"children {' '.join(map(str, left))} outlived the master by {child_timeout:g} s: "
                             "SIGKILL")
                for c, t in had:
                    if same_process(c, t):
                        try:
                            os.kill(c, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
        if self.proc is not None:
            self.proc.wait()
            self.proc = None
        self.pid = None
        return notes


# ---------------------------------------------------------------- command line

def parse_args(argv):
    p = argparse.ArgumentParser(prog="postfix-instance",
                                description="one private Postfix instance in a folder of its own "
                                            "(its layout, start and stop; see tools/lib/postfix_instance.py)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, text):
        parser = sub.add_parser(name, help=text, description=text)
        parser.add_argument("dir", metavar="DIR")
        return parser

    c = command("create", "lay out DIR: the folders, main.cf, master.cf, the programs")
    c.add_argument("--main-cf-line", action="append", default=[], metavar="'NAME = VALUE'")
    c.add_argument("--service", action="append", default=[], metavar="'MASTER.CF LINE'")
    c.add_argument("--program", action="append", default=[], metavar="PATH")
    command("write-master-cf", "replace master.cf (before a reload)").add_argument(
        "--service", action="append", default=[], metavar="'MASTER.CF LINE'")
    command("install", "copy programs into the daemon directory").add_argument(
        "programs", nargs="+", metavar="PROGRAM")
    command("run", "become the master (exec) in a new session")
    r = command("ready", "wait until the master is up; print its pid")
    r.add_argument("--pid", type=int)
    r.add_argument("--timeout", type=float, default=15.0)
    command("start", "run in the background, then ready").add_argument("--timeout", type=float, default=15.0)
    command("pid", "print the running master's pid")
    command("reload", "kill -HUP the master")
    command("stop", "SIGTERM the master; bounded waits; SIGKILL after them").add_argument(
        "--timeout", type=float, default=10.0)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    instance = Instance(args.dir)
    try:
        if args.command == "create":
            instance.create(args.service, args.main_cf_line, args.program)
        elif args.command == "write-master-cf":
            instance.write_master_cf(args.service)
        elif args.command == "install":
            instance.install(args.programs)
        elif args.command == "run":
            instance.exec_master()
        elif args.command == "ready":
            print(instance.wait_ready(args.pid, args.timeout), flush=True)
        elif args.command == "start":
            print(instance.start(args.timeout), flush=True)
        elif args.command == "pid":
            pid = instance.running_pid()
            if pid is None:
                raise InstanceError(f"no master of {instance.root} runs")
            print(pid)
        elif args.command == "reload":
            instance.reload()
        elif args.command == "stop":
            notes = instance.stop(args.timeout)
            for note in notes:
                print(f"postfix-instance: {note}", file=sys.stderr)
            return 1 if notes else 0
    except InstanceError as e:
        print(f"postfix-instance: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"postfix-instance: {args.command} {instance.root}: {e}", file=sys.stderr)
        return 1
    return 0
