#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""curves_plan_test - table tests of the plan of bench/flood-compare --curves (bench/harness/floodlib/curves.py)
and of its send-wait goal verdict (bench/harness/render_curves.py)."""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from floodlib.curves import flood_count, paced_count, paced_loads, rate_points, rotated, sender_name  # noqa: E402
from render_curves import goal_rows  # noqa: E402


class Plan(unittest.TestCase):
    def test_sender_names(self):
        for senders, want in ((1, "send"), (2, "send2"), (50, "send50"), (64, "send64")):
            with self.subTest(senders=senders):
                self.assertEqual(sender_name(senders), want)

    def test_flood_counts_fall_with_size_but_not_below_a_sixteenth(self):
        table = [(100000, 100, 100000), (100000, 4096, 100000), (100000, 8192, 50000),
                 (100000, 16384, 25000), (100000, 65536, 6250), (1000, 65536, 62), (16, 65536, 1)]
        for base, size, want in table:
            with self.subTest(base=base, size=size):
                self.assertEqual(flood_count(base, size), want)

    def test_paced_counts_are_the_seconds_of_the_rate_within_bounds(self):
        table = [(1000, 1.0, 1000), (50000, 1.0, 50000), (50000, 0.25, 12500), (10, 1.0, 1000),
                 (2000000, 1.0, 300000)]
        for rate, seconds, want in table:
            with self.subTest(rate=rate, seconds=seconds):
                self.assertEqual(paced_count(rate, seconds), want)

    def test_paced_loads_are_fractions_of_the_capacity(self):
        self.assertEqual(paced_loads(None, [0.5], 1.0), [])
        self.assertEqual(paced_loads(0, [0.5], 1.0), [])
        self.assertEqual(paced_loads(80000.0, [0.5, 0.9], 1.0), [(0.5, 40000, 40000), (0.9, 72000, 72000)])

    def test_rate_points_measure_the_shared_point_once(self):
        points = rate_points(["a", "b"], [100, 65536], [1, 8], 1000)
        self.assertEqual(points, [("a", 100, 1, 1000), ("b", 100, 1, 1000), ("a", 65536, 1, 62),
                                  ("b", 65536, 1, 62), ("a", 100, 8, 1000), ("b", 100, 8, 1000)])

    def test_rotation_changes_the_first_receiver_each_repetition(self):
        names = ["a", "b", "c"]
        self.assertEqual([rotated(names, rep)[0] for rep in (1, 2, 3, 4)], ["a", "b", "c", "a"])
        self.assertEqual(rotated([], 2), [])


class Goal(unittest.TestCase):
    def data(self, logd, postlogd):
        line = lambda p99s: [{"fraction": f, "offered": 1000 * f, "send_wait_p99_us": w}  # noqa: E731
                             for f, w in zip((0.5, 0.9), p99s)]
        table = {"dgram-logd": line(logd), "postlogd": line(postlogd)}
        return {"settings": {"qlens": [10], "placements": ["spread"]},
                "curves": {"send_wait": {"10/spread": table}}}

    def test_verdicts(self):
        table = [((5.0, 10.0), (10.0, 20.0), [True, True]),      # exactly half: met
                 ((5.1, 50.0), (10.0, 20.0), [False, False]),
                 ((1.0, None), (10.0, 0.0), [True, False]),       # nothing measured: not met
                 ((0.0, 0.1), (0.0, 0.0), [True, False]),         # 0 is half of 0; 0.1 is not
                 ]
        for logd, postlogd, want in table:
            with self.subTest(logd=logd, postlogd=postlogd):
                rows = goal_rows(self.data(logd, postlogd))
                self.assertEqual([r["met"] for r in rows], want)
                self.assertEqual([r["fraction"] for r in rows], [0.5, 0.9])


if __name__ == "__main__":
    unittest.main()
