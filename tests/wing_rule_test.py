#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# wing_rule_test - the library's one header rule, checked on the source tree.
#
# lib/ is five wings, each a folder: base, config, log, serve, start, in that
# order. A file of a wing includes private headers of its own wing and of the
# wings before it only ("serve/hand_off.h" from start/, never the other way),
# always by the wing's path; installed headers (include/dgram/) include only
# each other; no meson.build outside lib/ names ../lib as an include path.
# Usage: wing_rule_test.py SOURCE_ROOT. Prints each breach; exit 1 if any.
import pathlib
import re
import sys

WINGS = ["base", "config", "log", "serve", "start"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    lib = root / "lib"
    breaches = []
    found = sorted(p.name for p in lib.iterdir() if p.is_dir())
    if found != sorted(WINGS):
        breaches.append(f"lib/ holds {found}, expected the wings {WINGS}")
    for stray in sorted(lib.glob("*.[ch]*")):
        breaches.append(f"{stray.relative_to(root)}: a source outside every wing")
    for rank, wing in enumerate(WINGS):
        allowed = set(WINGS[: rank + 1]) | {"dgram"}
        for path in sorted((lib / wing).glob("*.[ch]*")):
            for name in INCLUDE.findall(path.read_text()):
                head = name.split("/")[0] if "/" in name else None
                where = f"{path.relative_to(root)}: #include \"{name}\""
                if head is None:
                    breaches.append(f"{where} names no wing (include it as \"wing/{name}\")")
                elif head not in allowed:
                    breaches.append(f"{where}: {wing} may include only {sorted(allowed)}")
    for path in sorted((root / "include" / "dgram").glob("*.h")):
        for name in INCLUDE.findall(path.read_text()):
            if not name.startswith("dgram/"):
                breaches.append(f"{path.relative_to(root)}: installed header includes \"{name}\"")
    for build in sorted(root.glob("*/**/meson.build")):
        if build.parts[len(root.parts)] in ("lib", "subprojects") or "build" in build.parts[len(root.parts)]:
            continue
        if "'../lib'" in build.read_text() or '"../lib"' in build.read_text():
            breaches.append(f"{build.relative_to(root)}: include path ../lib (use dgram_dep and \"wing/name.h\")")
    for line in breaches:
        print(line)
    print(f"wing rule: {len(breaches)} breaches")
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())
