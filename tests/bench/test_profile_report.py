"""bench.profile's reading of py-spy output: idle event-loop waits are not counted as busy."""

from bench.profile import busy_functions, report

RAW = "\n".join(
    [
        "main (a.py:1);run (workers/consumer.py:9);find_one (pymongo/x.py:3) 30",
        "main (a.py:1);run (workers/consumer.py:9);publish (aio_pika/e.py:4) 10",
        "main (a.py:1);EpollSelector.select (selectors.py:468) 60",
    ]
)


def test_idle_samples_are_left_out_and_functions_counted_inclusively():
    total, busy, inclusive, own = busy_functions(RAW)
    assert (total, busy) == (100, 40)
    assert inclusive["run (workers/consumer.py:9)"] == 40
    assert own["find_one (pymongo/x.py:3)"] == 30
    text = report(RAW, top=5, expected=100)
    assert "40 busy samples of 100 taken (40% of the time on CPU)" in text
    assert " 75.0%  find_one (pymongo/x.py:3)" in text
    assert "100.0%  run (workers/consumer.py:9)" in text


def test_the_share_on_cpu_counts_the_samples_py_spy_did_not_write():
    # Under uvloop the idle wait has no Python frame, so py-spy writes only busy samples.
    busy_only = "main (a.py:1);run (workers/consumer.py:9);find_one (pymongo/x.py:3) 30"
    assert "30 busy samples of 200 taken (15% of the time on CPU)" in report(busy_only, 5, 200)
