"""The daemon's parts: everything ``influencer run`` does between two APScheduler wake-ups.

    claims.py      approved ─claim─▶ publishing: atomic, per account, with a lease
    ratelimits.py  per-account concurrency, hourly budget and platform resets, in the database
    retries.py     backoff with jitter; a retry waits in ``publish_retry``
    sending.py     one claimed post: checks, the platform call, its outcome; settling by lookup
    cycle.py       one pass: leases, missed slots, drafting, claiming, publishing
    alerts.py      webhook and e-mail, each alert once across daemons
    heartbeat.py   who runs, since when, with which configuration
    report.py      ``influencer status``
    control.py     pause, resume, retry, resolve, delete
    logs.py        one line per publishing step, text or JSON
    metrics.py     Prometheus

``influencer/scheduler.py`` wires these to APScheduler, signals and reloading.
"""
