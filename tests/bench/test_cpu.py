"""bench.cpu picks the samples that bracket the load window and divides by the calls."""

from __future__ import annotations

import os

from bench import cpu


def test_the_window_is_measured_between_the_samples_that_bracket_it():
    samples = [(float(t), {"gateway": t * 0.1, "workers": t * 0.2}) for t in range(10)]
    used = cpu.window_cpu(samples, start=2.5, end=6.5)  # samples 2 and 7
    assert round(used["gateway"], 6) == 0.5
    assert round(used["workers"], 6) == 1.0


def test_a_window_past_the_samples_uses_the_last_one():
    samples = [(0.0, {"store": 1.0}), (1.0, {"store": 1.5})]
    assert cpu.window_cpu(samples, start=0.5, end=9.0) == {"store": 0.5}
    assert cpu.window_cpu([], 0, 1) == {}


def test_the_summary_adds_up_only_gateway_workers_and_rabbitmq():
    line = cpu.summary({"gateway": 1.0, "workers": 2.0, "rabbitmq": 1.0, "store": 5.0}, 1000, 10)
    assert line.startswith("cpu: 4.00 ms per call in gateway + workers + rabbitmq")
    assert "store 5.00" in line


def test_this_process_has_cpu_time():
    sum(i * i for i in range(200_000))
    assert cpu.process_cpu(os.getpid()) > 0
