#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""man_pages_coverage - the manual pages of man/ against the code.

SYNOPSIS
    man_pages_coverage.py SOURCE_ROOT MAN_DIR
    (environment: DGRAM_FLOOD, DGRAM_LAUNCH, DGRAM_CONFIG, DGRAM_SINK,
    DGRAM_LOGD, DGRAM_STAT name the built programs)

DESCRIPTION
    Run by man_pages_test.sh after the lint. It fails when a page misses an
    option that a tool's parser accepts, documents one that it refuses, or
    misses a parameter that the skeleton or a daemon reads.

    Options. Every single-letter option is found by asking the built program:
    each of a-z, A-Z and 0-9 is given to it, and a letter is accepted unless
    the program answers with its "unknown option" line. The probes can do
    nothing: each command line ends in an error before any socket or file is
    touched (see probe_* below). Long options cannot be guessed, so they are
    read from the parser's source (the option tables of flood_options.cpp and
    dgram_launch.cpp, the names split_listen_options compares with) and from
    what the program itself lists (--help, and the "known:" list of the
    skeleton's error line); each one is then confirmed by the program. The
    source's single letters (getopt strings, kFlagLetters/kValueLetters) must
    agree with the probe, so a parser that changes shape fails here with a
    line saying so, instead of passing with an empty list.

    A page documents an option when an .It line of it has the option after an
    Fl macro ("Fl n", "Fl \\-count").

    Parameters. The skeleton's are the entries of lib/config/skeleton_params.cpp;
    their defaults are what dgram-config prints for them with an empty
    main.cf (postconf -d's text). dgram-server(3) must show each, rendered, as
    "NAME (TYPE, default: DEFAULT)" ("default: empty" for an empty one). The
    daemons' are what tools/sink and tools/logd put in their parameter
    tables or read with config.get_*(); their pages must show them the same
    way, with the default taken from the source. Within CONFIGURATION
    PARAMETERS a page may not list a parameter that nobody reads.

    Last, each check is shown to bite: every required option and parameter is
    taken out of a copy of its page in turn, and the check must then report
    it missing.

EXIT STATUS
    0 when everything is covered, 1 otherwise (each problem is one FAIL line).
"""
import os
import re
import subprocess
import sys
import tempfile

SOURCE, MAN = sys.argv[1], sys.argv[2]
PROGRAMS = {name: os.environ.get(var, "") for name, var in [
    ("flood", "DGRAM_FLOOD"), ("launch", "DGRAM_LAUNCH"), ("config", "DGRAM_CONFIG"),
    ("sink", "DGRAM_SINK"), ("logd", "DGRAM_LOGD"), ("stat", "DGRAM_STAT")]}
LETTERS = [chr(c) for c in range(ord("a"), ord("z") + 1)] + \
          [chr(c) for c in range(ord("A"), ord("Z") + 1)] + [str(d) for d in range(10)]
failures = []


def fail(text):
    failures.append(text)
    print("FAIL: " + text)


def read(path):
    with open(os.path.join(SOURCE, path), encoding="utf-8") as f:
        return f.read()


def run(argv, env=None):
    """The program's stdout and stderr together; it must end within 10 s."""
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=10, env=env, errors="replace")
    except subprocess.TimeoutExpired:
        fail("probe did not end within 10 s: " + " ".join(argv))
        return ""
    return done.stdout + done.stderr


# --- What the parsers accept -------------------------------------------------

def probe_letters(refused):
    """The letters for which refused(letter) is false."""
    return {letter for letter in LETTERS if not refused(letter)}


def probe_flood(letter):
    # Alone, an accepted letter ends in "missing SOCKET_PATH" or "needs a value".
    out = run([PROGRAMS["flood"], "-" + letter])
    return f"unknown option '-{letter}'" in out


def probe_flood_long(name):
    out = run([PROGRAMS["flood"], "--" + name])
    return f"unknown option '--{name}'" in out


def probe_launch(letter):
    # With no PROGRAM after it, any accepted option ends in a usage error.
    out = run([PROGRAMS["launch"], "-" + letter, "x"])
    return f"unknown or incomplete option: -{letter}" in out


def probe_launch_long(name):
    out = run([PROGRAMS["launch"], "--" + name, "x"])
    return f"unknown or incomplete option: --{name}" in out


def probe_config(config_dir):
    def refused(letter):
        # x/main.cf does not exist: -c x fails there; the others read config_dir.
        out = run([PROGRAMS["config"], "-c", config_dir, "-" + letter, "x"])
        return f"invalid option -- '{letter}'" in out
    return refused


def probe_stat(config_dir):
    # -c first, at a folder without main.cf: any accepted option then ends in
    # "cannot open" there (--watch too, before its first table), -h in its usage.
    missing = os.path.join(config_dir, "none")

    def refused(letter):
        out = run([PROGRAMS["stat"], "-c", missing, "-" + letter, "x"])
        return f"unknown option or missing value: -{letter}" in out
    return refused


def probe_stat_long(config_dir):
    missing = os.path.join(config_dir, "none")

    def refused(name):
        out = run([PROGRAMS["stat"], "-c", missing, "--" + name, "x"])
        return f"unknown option or missing value: --{name}" in out
    return refused


def probe_daemon(program, config_dir):
    # -t bogus first: main.cf (config_dir, whose syslog socket goes nowhere) is
    # read before the letter is judged, and an accepted letter still ends in
    # "unsupported transport type" or an earlier fatal line, before the
    # debugger, the lock file or any socket.
    env = dict(os.environ, MAIL_CONFIG=config_dir)
    for name in ("MAIL_DEBUG", "MAIL_VERBOSE", "LISTEN_PID", "LISTEN_FDS", "NOTIFY_SOCKET"):
        env.pop(name, None)

    def refused(letter):
        out = run([program, "-t", "bogus", "-" + letter, "x"], env)
        return f"invalid option: -{letter} " in out
    return refused


def flags_of_source(pattern, path, what):
    found = re.findall(pattern, read(path))
    if not found:
        fail(f"no {what} found in {path}: the parser changed shape; update "
             "tests/man_pages_coverage.py to read it")
    return found


def accepted_options(work):
    """Per tool, the options its parser accepts: {"-n", "--count", ...}."""
    options = {}
    # dgram-flood: its option table, its --help, and the probe.
    table = flags_of_source(r'\{"([a-z][a-z-]*)",\s*(?:\'(.)\'|0),\s*(?:true|false),',
                            "tools/flood/flood_options.cpp", "option table (kOptions)")
    longs = {name for name, _ in table}
    longs |= set(re.findall(r"^\s+(?:-\w, )?--([a-z][a-z-]*)", run([PROGRAMS["flood"], "--help"]),
                            re.M))
    source_letters = {letter for _, letter in table if letter}
    letters = probe_letters(probe_flood)
    options["flood"] = confirm("dgram-flood", letters, source_letters, longs, probe_flood_long)

    # dgram-launch: getopt_long's table and string, its --help, and the probe.
    text = read("tools/launch/dgram_launch.cpp")
    longs = set(flags_of_source(r'\{"([a-z][a-z-]*)",\s*(?:no|required|optional)_argument',
                                "tools/launch/dgram_launch.cpp", "long option table"))
    longs |= set(re.findall(r"--([a-z][a-z-]*)", run([PROGRAMS["launch"], "--help"])))
    optstring = re.search(r'getopt_long\(argc, argv, "\+?([^"]*)"', text)
    source_letters = set(re.sub(r"[:+]", "", optstring.group(1))) if optstring else set()
    if not optstring:
        fail("no getopt_long option string in tools/launch/dgram_launch.cpp")
    letters = probe_letters(probe_launch)
    options["launch"] = confirm("dgram-launch", letters, source_letters, longs, probe_launch_long)

    # dgram-config: getopt's string and the probe; no long options.
    optstring = re.search(r'getopt\(argc, argv, "([^"]*)"', read("tools/dgram_config.cpp"))
    source_letters = set(optstring.group(1).replace(":", "")) if optstring else set()
    if not optstring:
        fail("no getopt option string in tools/dgram_config.cpp")
    letters = probe_letters(probe_config(work))
    options["config"] = confirm("dgram-config", letters, source_letters, set(), None)

    # dgram-stat: getopt_long's table and string, and the probe.
    text = read("tools/stat/dgram_stat.cpp")
    longs = set(flags_of_source(r'\{"([a-z][a-z-]*)",\s*(?:no|required|optional)_argument',
                                "tools/stat/dgram_stat.cpp", "long option table"))
    optstring = re.search(r'getopt_long\(argc, argv, "\+?([^"]*)"', text)
    source_letters = set(re.sub(r"[:+]", "", optstring.group(1))) if optstring else set()
    if not optstring:
        fail("no getopt_long option string in tools/stat/dgram_stat.cpp")
    letters = probe_letters(probe_stat(work))
    options["stat"] = confirm("dgram-stat", letters, source_letters, longs, probe_stat_long(work))

    # The skeleton (dgram-sink, dgram-logd, dgram-server(3)): the letters of
    # lib/config/options.cpp, the --words of lib/start/start_mode.cpp, both programs.
    text = read("lib/config/options.cpp")
    source_letters = set()
    for name in ("kFlagLetters", "kValueLetters"):
        found = re.search(name + r'\s*=\s*"([^"]*)"', text)
        if found:
            source_letters |= set(found.group(1))
        else:
            fail(f"no {name} in lib/config/options.cpp: update tests/man_pages_coverage.py")
    longs = set(flags_of_source(r'name != "([a-z][a-z-]*)"', "lib/start/start_mode.cpp",
                                "standalone option names (split_listen_options)"))
    for tool in ("sink", "logd"):
        out = run([PROGRAMS[tool], "--man-pages-test-probe"])
        known = re.search(r"\(known: ([^)]*)\)", out)
        listed = set(re.findall(r"--([a-z][a-z-]*)", known.group(1))) if known else set()
        if not known:
            fail(f"dgram-{tool} --man-pages-test-probe: no '(known: ...)' list in: {out.strip()}")
        elif listed != longs:
            fail(f"dgram-{tool} lists --{', --'.join(sorted(listed))} as known, "
                 f"lib/start/start_mode.cpp compares with --{', --'.join(sorted(longs))}")
        letters = probe_letters(probe_daemon(PROGRAMS[tool], work))
        # --listen and its companions run a service when accepted: not probed.
        options[tool] = confirm(f"dgram-{tool}", letters, source_letters, longs | listed, None)
    return options


def confirm(tool, letters, source_letters, longs, probe_long):
    """The option set, after checking the source against the program."""
    if not letters:
        fail(f"{tool}: the probe found no accepted option letter (is the program built?)")
    if source_letters and letters != source_letters:
        fail(f"{tool}: the program accepts -{''.join(sorted(letters))}, the source's table says "
             f"-{''.join(sorted(source_letters))}: update tests/man_pages_coverage.py")
    for name in sorted(longs):
        if probe_long and probe_long(name):
            fail(f"{tool} refuses --{name}, which its source or --help lists")
    return {"-" + letter for letter in letters} | {"--" + name for name in longs}


# --- What the pages say --------------------------------------------------------

MACROS = set("Ad An Ao Ac Aq Ar Bc Bo Bq Brc Bro Brq Cd Cm Dc Do Dq Dv Em Er Ev Fa Fc Fl Fn Fo Ft "
             "Ic In Li Lk Ms Mt Nm No Ns Oc Oo Op Pa Pc Pf Po Pq Qc Qo Ql Qq Sc So Sq Sx Sy Tn "
             "Va Vt Xc Xo Xr".split())
DELIMITERS = set(",;:.()[]|")


def unescape(word):
    return (word.replace("\\-", "-").replace("\\&", "").replace("\\e", "\\")
            .replace("\\(dq", '"').strip('"'))


def item_heads(text):
    """The .It lines of a page as token lists (an Xo line runs on to Xc)."""
    heads, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(".It"):
            tokens = re.findall(r'"[^"]*"|\S+', line[3:])
            while tokens and tokens[-1] == "Xo" and i + 1 < len(lines):
                i += 1
                tokens = tokens[:-1] + re.findall(r'"[^"]*"|\S+', lines[i].lstrip("."))
                if tokens and tokens[-1] == "Xc":
                    tokens.pop()
                    break
            heads.append(tokens)
        i += 1
    return heads


def documented_options(text):
    """Every option an .It line names after Fl: {"-n", "--count", ...}."""
    found = set()
    for tokens in item_heads(text):
        after_fl = False
        for token in tokens:
            if token == "Fl":
                after_fl = True
            elif token in MACROS or token in DELIMITERS:
                after_fl = False
            elif after_fl:
                found.add("-" + unescape(token))
    return found


def section(text, name):
    """The source lines of section name (.Sh NAME) up to the next .Sh."""
    found = re.search(r"^\.Sh " + re.escape(name) + r"\n(.*?)(?=^\.Sh |\Z)", text, re.M | re.S)
    return found.group(1) if found else ""


def documented_parameters(text):
    """The parameters listed in CONFIGURATION PARAMETERS (.It Va NAME)."""
    return set(re.findall(r"^\.It Va (\w+)", section(text, "CONFIGURATION PARAMETERS"), re.M))


def render(text):
    """The page as plain text, white space runs made single spaces."""
    with tempfile.NamedTemporaryFile("w", suffix=".8", delete=False) as f:
        f.write(text)
    try:
        out = subprocess.run(["mandoc", "-T", "ascii", f.name], capture_output=True,
                             text=True, check=False).stdout
    finally:
        os.unlink(f.name)
    return " ".join(re.sub(".\b", "", out).split())


def parameter_head(name, type_word, default):
    return f"{name} ({type_word}, default: {default if default != '' else 'empty'})"


# --- What the code reads ---------------------------------------------------------

# The makers of kTable's rows (one per kind of entry) and the type each gives.
TABLE_TYPES = {"text": "string", "nonempty_text": "string", "unexpanded_text": "raw string",
               "integer": "integer", "duration": "time", "flag": "boolean"}
KIND_TYPES = {"ints": "integer", "longs": "long", "strs": "string", "bools": "boolean",
              "times": "time", "raws": "raw string", "nints": "integer", "nbools": "boolean"}
GETTER_TYPES = {"get_int": "integer", "get_long": "long", "get_str": "string",
                "get_bool": "boolean", "get_time": "time", "get_raw": "raw string",
                "get_nint": "integer", "get_nbool": "boolean"}


def skeleton_parameters(work):
    """[(name, type word, default)] of the skeleton's table, defaults from dgram-config."""
    rows = flags_of_source(r'(?m)^\s+(\w+)\("(\w+)",', "lib/config/skeleton_params.cpp",
                           "parameter table (kTable)")
    table = [(name, kind) for kind, name in rows]
    out = run([PROGRAMS["config"], "-c", work] + [name for name, _ in table])
    defaults = dict(re.findall(r"^(\w+) =(?: (.*))?$", out, re.M))
    params = []
    for name, kind in table:
        if name not in defaults:
            fail(f"dgram-config does not print skeleton parameter {name}: {out.strip()}")
        if kind not in TABLE_TYPES:
            fail(f"skeleton parameter {name}: unknown kind of row {kind}()")
        params.append((name, TABLE_TYPES.get(kind, kind), defaults.get(name) or ""))
    return params


def arguments(text, start):
    """The top-level comma-separated arguments from text[start] (after an opening bracket)."""
    depth, args, current, quoted = 0, [], "", False
    for ch in text[start:]:
        if ch == '"' and not current.endswith("\\"):
            quoted = not quoted
        elif not quoted and ch in "({[":
            depth += 1
        elif not quoted and ch in ")}]":
            if depth == 0:
                args.append(current.strip())
                return args
            depth -= 1
        elif not quoted and ch == "," and depth == 0:
            args.append(current.strip())
            current = ""
            continue
        current += ch
    return args


def resolve(expression):
    """The value of a default as the source writes it, or None."""
    expression = expression.strip()
    inner = re.fullmatch(r"std::string(?:_view)?\((.*)\)", expression, re.S)
    if inner:
        return resolve(inner.group(1))
    if re.fullmatch(r'"[^"]*"', expression):
        return expression[1:-1]
    if expression in ("true", "false"):
        return "yes" if expression == "true" else "no"
    if re.fullmatch(r"-?\d+", expression):
        return expression
    if re.fullmatch(r"[\w:]+", expression):
        name = expression.split("::")[-1]
        for folder in ("include", "lib", "tools"):
            for root, _, files in os.walk(os.path.join(SOURCE, folder)):
                for file in files:
                    if file.endswith((".h", ".cpp")):
                        with open(os.path.join(root, file), encoding="utf-8") as f:
                            found = re.search(r"\b" + name + r'\s*=\s*"([^"]*)"', f.read())
                        if found:
                            return found.group(1)
    return None


def daemon_parameters(folder):
    """[(name, type word, default)] that a daemon's sources declare or read."""
    params = {}
    for file in sorted(os.listdir(os.path.join(SOURCE, folder))):
        if not file.endswith(".cpp"):
            continue
        path = os.path.join(folder, file)
        text = read(path)
        reads = [(KIND_TYPES.get(m.group(1)), m.end())
                 for m in re.finditer(r"params\.(\w+)\.push_back\(\{", text)]
        reads += [(GETTER_TYPES.get(m.group(1)), m.end())
                  for m in re.finditer(r"config\.(get_\w+)\(", text)]
        for type_word, start in reads:
            args = arguments(text, start)
            name = resolve(args[0]) if args else None
            default = resolve(args[1]) if len(args) > 1 else None
            if type_word is None or name is None or default is None:
                fail(f"{path}: cannot read the parameter at offset {start} "
                     f"({', '.join(args[:2])}): update tests/man_pages_coverage.py")
                continue
            params[name] = (name, type_word, default)
    if not params:
        fail(f"no parameters found in {folder}: update tests/man_pages_coverage.py")
    return sorted(params.values())


# --- The checks -------------------------------------------------------------------

def option_problems(text, accepted):
    documented = documented_options(text)
    return ([f"misses {o}" for o in sorted(accepted - documented)] +
            [f"documents {o}, which the parser refuses" for o in sorted(documented - accepted)])


def parameter_problems(text, required, allowed):
    rendered = render(text)
    problems = [f"misses {parameter_head(*p)}" for p in required
                if parameter_head(*p) not in rendered]
    problems += [f"lists parameter {name}, which nobody reads"
                 for name in sorted(documented_parameters(text) - allowed)]
    return problems


def without_option(text, option):
    """text with each .It line that names option removed."""
    lines = text.splitlines()
    kept = [line for line in lines
            if not (line.startswith(".It") and option in documented_options(line))]
    return "\n".join(kept) + "\n"


def without_parameter(text, name):
    return re.sub(r"^\.It Va " + re.escape(name) + r"\b.*\n", "", text, flags=re.M)


def main():
    for name, path in PROGRAMS.items():
        if not path or not os.access(path, os.X_OK):
            fail(f"dgram-{name} not found (set DGRAM_{name.upper()} to the built program)")
    if failures:
        return 1
    with tempfile.TemporaryDirectory() as work:
        with open(os.path.join(work, "main.cf"), "w") as f:
            f.write(f"dgram_syslog_socket = {work}/no-syslog-here\n")
        options = accepted_options(work)
        with open(os.path.join(work, "main.cf"), "w") as f:
            f.write("")  # dgram-config: every skeleton default as postconf -d shows it
        skeleton = skeleton_parameters(work)
    sink = daemon_parameters("tools/sink")
    logd = daemon_parameters("tools/logd")
    skeleton_names = {p[0] for p in skeleton}

    pages = {  # page: (options, required parameters, parameters it may list)
        "dgram-flood.1": (options["flood"], [], set()),
        "dgram-launch.1": (options["launch"], [], set()),
        "dgram-config.1": (options["config"], [], set()),
        "dgram-stat.1": (options["stat"], [], set()),
        "dgram-server.3": (options["sink"], skeleton, skeleton_names),
        "dgram-sink.8": (options["sink"], sink, skeleton_names | {p[0] for p in sink}),
        "dgram-logd.8": (options["logd"], logd, skeleton_names | {p[0] for p in logd}),
    }
    for page, (accepted, required, allowed) in pages.items():
        with open(os.path.join(MAN, page), encoding="utf-8") as f:
            text = f.read()
        problems = option_problems(text, accepted) + parameter_problems(text, required, allowed)
        for problem in problems:
            fail(f"{page} {problem}")
        print(f"{page}: {len(accepted)} options ({' '.join(sorted(accepted))})"
              + (f", {len(required)} parameters" if required else "")
              + ("" if problems else ": all documented"))

        # The check bites: each option and parameter taken out is reported.
        for option in sorted(accepted):
            if not any(p == f"misses {option}"
                       for p in option_problems(without_option(text, option), accepted)):
                fail(f"{page} without {option}: the option check did not notice")
        for param in required:
            cut = without_parameter(text, param[0])
            if f"misses {parameter_head(*param)}" not in parameter_problems(cut, [param], allowed):
                fail(f"{page} without {param[0]}: the parameter check did not notice")
    print(f"each option and parameter taken out of its page was reported missing"
          if not failures else f"{len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
