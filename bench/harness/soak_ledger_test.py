#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""soak_ledger_test - table tests of bench/harness/soak_ledger.py (python3 bench/harness/soak_ledger_test.py)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from soak_ledger import account, missing, parse_runs, union_length  # noqa: E402


class ParseRuns(unittest.TestCase):
    def test_forms(self):
        table = [
            ("none", []),
            ("", []),
            (None, []),
            ("7-7", [(7, 7)]),
            ("0-99,150-199", [(0, 99), (150, 199)]),
        ]
        for text, want in table:
            with self.subTest(text=text):
                self.assertEqual(parse_runs(text), want)

    def test_bad_entries_are_named(self):
        for text in ("5", "5-", "-5", "9-3", "a-b", "1-2,,3-4", "1-2 3-4"):
            with self.subTest(text=text):
                with self.assertRaisesRegex(ValueError, "bad seq_runs entry"):
                    parse_runs(text)


class UnionLength(unittest.TestCase):
    def test_table(self):
        table = [
            ([], 0),
            ([(0, 0)], 1),
            ([(0, 9), (10, 19)], 20),          # adjacent
            ([(0, 9), (5, 14)], 15),           # overlapping
            ([(0, 9), (9, 14)], 15),           # sharing one number
            ([(5, 14), (0, 9)], 15),           # order does not matter
            ([(0, 99), (10, 20)], 100),        # contained
            ([(0, 9), (0, 9), (0, 9)], 10),    # the same run three times
            ([(0, 4), (10, 14)], 10),          # a hole
        ]
        for intervals, want in table:
            with self.subTest(intervals=intervals):
                self.assertEqual(union_length(intervals), want)


class Missing(unittest.TestCase):
    def test_table(self):
        table = [
            ([(0, 999)], [(0, 999)], []),
            ([], [(0, 9)], [(0, 9)]),
            ([(0, 499), (600, 999)], [(0, 999)], [(500, 599)]),
            ([(600, 999), (0, 499)], [(0, 999)], [(500, 599)]),        # order does not matter
            ([(5, 9)], [(0, 9)], [(0, 4)]),                            # a missing head
            ([(0, 4)], [(0, 9)], [(5, 9)]),                            # a missing tail
            ([(0, 6), (3, 9)], [(0, 9)], []),                          # overlapping runs
            ([(2, 2)], [(0, 4), (10, 12)], [(0, 1), (3, 4), (10, 12)]),  # two sent ranges
        ]
        for intervals, ranges, want in table:
            with self.subTest(intervals=intervals, ranges=ranges):
                self.assertEqual(missing(intervals, ranges), want)

    def test_limit(self):
        runs = [(i, i) for i in range(0, 100, 2)]
        self.assertEqual(missing(runs, [(0, 99)], limit=3), [(1, 1), (3, 3), (5, 5)])


class Account(unittest.TestCase):
    def check(self, runs, sent_ranges, uncertain=(), **want):
        got = account(runs, sent_ranges, uncertain)
        for key, value in want.items():
            self.assertEqual(got[key], value, f"{key} of {got}")

    def test_everything_once_in_several_children(self):
        # Four children taking turns: interleaved runs that cover 0..999 once.
        runs = [(i, i + 9) for i in range(0, 1000, 10)]
        self.check(runs, [(0, 999)], sent=1000, received=1000, lost=0, duplicated=0, unexpected=0)

    def test_a_hole_is_lost(self):
        self.check([(0, 499), (600, 999)], [(0, 999)], lost=100, duplicated=0, unexpected=0,
                   lost_ranges=[(500, 599)])

    def test_a_number_twice_is_one_duplicate(self):
        # Across children, and within one child (a repeat starts a new run).
        self.check([(0, 999), (500, 500)], [(0, 999)], lost=0, duplicated=1, unexpected=0)
        self.check([(0, 10), (5, 20), (21, 999)], [(0, 999)], lost=0, duplicated=6, unexpected=0)

    def test_lost_and_duplicated_together(self):
        self.check([(0, 99), (50, 149)], [(0, 199)], lost=50, duplicated=50, unexpected=0)

    def test_numbers_nobody_sent_are_unexpected_not_received(self):
        self.check([(0, 999), (5000, 5009)], [(0, 999)], received=1000, lost=0, unexpected=10)

    def test_sent_in_pieces_after_stalls(self):
        # A sender that stalled twice: three ranges, one after the other.
        sent = [(0, 299), (300, 300), (301, 999)]
        self.check([(0, 999)], sent, sent=1000, lost=0, duplicated=0, unexpected=0)

    def test_uncertain_numbers_are_neither_lost_nor_unexpected(self):
        # A sender stopped by PID after 500: 500..999 may or may not have gone out.
        self.check([(0, 699)], [(0, 499)], [(500, 999)], sent=500, received=500, lost=0, unexpected=0)

    def test_nothing_received(self):
        self.check([], [(0, 9)], lost=10, duplicated=0, unexpected=0, reported=0)


if __name__ == "__main__":
    unittest.main()
