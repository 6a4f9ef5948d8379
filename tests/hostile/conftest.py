"""Fixtures of the hostile tests.

The regex/pathological-text batteries of test_regex_time.py take a while and run in child
processes, so they start in the background (one after the other, one child at a time) as soon
as test_hostile.py starts -- after the timing-sensitive crash tests -- and run while the
hostile and network tests run; test_regex_time.py only collects their results (and starts
them itself when run alone).
"""

from __future__ import annotations

import threading

import pytest

from tests.hostile.regex_probe import Battery

PATTERN_DEADLINE = 5.0    # s: a pattern call not done by then is a hang (the pass bound is regex_probe.BOUND)
PIPELINE_DEADLINE = 8.0   # s: normalize / segment / extract on a 1 MB line (also the pass bound)


@pytest.fixture(scope="session")
def regex_batteries():
    batteries = {"patterns": Battery("patterns", PATTERN_DEADLINE), "pipeline": Battery("pipeline", PIPELINE_DEADLINE)}
    stop = threading.Event()

    def run_in_turn():
        for battery in batteries.values():
            if not stop.is_set():
                battery._run_catching()

    runner = threading.Thread(target=run_in_turn, daemon=True, name="regex-batteries")
    runner.start()
    for battery in batteries.values():
        battery._thread = runner  # result() waits for the runner
    yield batteries
    stop.set()
    for battery in batteries.values():
        battery.stop()
