# SPDX-License-Identifier: MIT
"""floodlib - the parts of bench/harness/flood_compare.py, in the order a reader needs them.

    system       constants, /proc and socket helpers, bounded waits
    qlen         net.unix.max_dgram_qlen set for a while and always put back
    instance     the private Postfix instance (tools/postfix-instance), rsyslogd and syslog-ng
    contenders   the receivers compared, as one table, and the three kinds of receiver
    measure      one flood, a timed run, system call counts, logger checks, latency
    runs         the whole comparison and --api-cost: what is run in which order
    report       summaries, the api-cost block of RESULTS.md, the machine's facts
"""

import os
import sys

# tools/lib/postfix_instance.py: the private Postfix instance, shared with
# tools/demo and the C++ tests through tools/postfix-instance.
REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPOSITORY, "tools", "lib"))
