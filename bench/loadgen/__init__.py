"""Load generator: N simulated OCPP stations (1.6, 2.0.1, 2.1 or a mix) over real websockets
against a running CSMS.

    python -m bench.loadgen --stations 2000 --rate 1000 --duration 60 \\
        --url ws://127.0.0.1:9000/ocpp --api http://127.0.0.1:8080/api/v1 --processes 2
    python -m bench.loadgen --selftest

Modules, one job each: ``__main__`` (command line), ``settings`` (one run's parameters),
``register`` (stations and id token through the API), ``scenario`` (what a station sends,
in any version), ``ocpp201`` and ``ocpp16`` (how each version says it; 2.1 as 2.0.1),
``calls`` (what those share), ``station`` (one station's websocket and pacing), ``worker``
(one process's stations), ``runner`` (the processes), ``progress`` (the line every few
seconds), ``stats`` and ``histogram`` (what is measured, mergeable), ``report`` (JSON and the
table), ``selftest``.
"""
