"""``make bench``: the mock's throughput and latency beside Prism and a bare ASGI ceiling.

``python -m bench`` starts the mock, a bare Starlette app returning the same bodies and Prism, all
on 127.0.0.1, drives each with wrk under the same bounded load, prints a table and writes it as
JSON (``bench/results/latest.json``). See ``python -m bench --help`` and the README, "Benchmark".
"""
