"""The daemon: ``influencer run``. It decides *when*; every *what* is a flow function.

    runner.py   APScheduler wiring (the planner's slots as date jobs), signals, reload, stop
    cycle.py    one pass: leases, missed slots, drafting, claiming and sending on a thread pool
    logs.py     text or JSON log lines
    metrics.py  Prometheus

It imports only ``influencer.flow`` (and the foundation: ``errors``, ``clock``).
"""
