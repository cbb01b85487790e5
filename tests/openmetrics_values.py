#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# openmetrics_values - parses an OpenMetrics text exposition with the
# prometheus_client library (Debian's python3-prometheus-client), the way a
# scraper would, and prints each sample as `name{label="value",...} value`,
# labels sorted. A text the parser refuses ends it with status 1 and the
# parser's message: the tests hold dgram-stat --openmetrics to the format.
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families


def main():
    if len(sys.argv) != 2:
        print("usage: openmetrics_values.py FILE", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as stream:
        text = stream.read()
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels = ",".join('%s="%s"' % (key, value) for key, value in sorted(sample.labels.items()))
                print("%s{%s} %r" % (sample.name, labels, float(sample.value)))
    except Exception as error:  # the parser's own ValueError, or anything else it raises
        print("openmetrics_values: refused: %s" % error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
