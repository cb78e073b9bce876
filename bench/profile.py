"""Sampling the mock under load with py-spy, and summing the samples into a readable summary.

py-spy writes collapsed stacks (``frame;frame;frame count``, one function per frame with
``--function``); the summary gives each area's share of the samples by where the sample was
taken (the leaf frame), and the functions with the most samples inclusive and self.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

AREAS = (  # (area, substring of a frame's file), first match wins
    ("mock_server", "mock_server/"),
    ("bench", "bench/"),
    ("connexion", "connexion/"),
    ("jsonschema", "jsonschema"),
    ("jsonschema", "openapi_schema_validator"),
    ("jsonschema", "referencing/"),
    ("jsonschema", "rpds"),
    ("starlette", "starlette/"),
    ("uvicorn", "uvicorn/"),
    ("httptools", "httptools"),
    ("asyncio", "asyncio/"),
    ("json", "json/"),
    ("logging", "logging/"),
    ("email/format", "email_validator"),
    ("email/format", "rfc3339"),
    ("email/format", "idna"),
)

CHAIN = 0.6  # inclusive share above which a frame is taken as the shared outer chain
THREAD_ROOT = "Thread._bootstrap"  # where every thread but the main one starts

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*)\)$")


def area(frame: str) -> str:
    match = FRAME.match(frame)
    file = match.group("file") if match else frame
    for name, needle in AREAS:
        if needle in file:
            return name
    return "python/other"


def _short(frame: str) -> str:
    match = FRAME.match(frame)
    if not match:
        return frame
    file = match.group("file")
    for marker in ("site-packages/", "python3.11/", "/work/main/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{match.group('func')} ({file})"


def parse(raw: str) -> list[tuple[list[str], int]]:
    stacks = []
    for line in raw.splitlines():
        head, _, count = line.rpartition(" ")
        if head and count.isdigit():
            stacks.append((head.split(";"), int(count)))
    return stacks


def summary(raw: str, title: str, requests: int, rate: int, top: int = 20) -> str:
    """Shares of the busy samples; with ``requests`` served meanwhile and the sampling ``rate``
    (Hz), each share is also given as microseconds of the process's time per request."""
    every = parse(raw)
    stacks = [(f, c) for f, c in every if f and not f[0].startswith(THREAD_ROOT)]
    others: Counter[str] = Counter()
    for frames, count in every:
        if not frames or frames[0].startswith(THREAD_ROOT):
            others[_short(frames[min(3, len(frames) - 1)]) if frames else "?"] += count
    total = sum(c for _, c in stacks) or 1
    per_sample_us = 1e6 / rate / max(1, requests)
    by_area: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for frames, count in stacks:
        by_area[area(frames[-1])] += count
        own[_short(frames[-1])] += count
        for frame in set(frames):
            inclusive[_short(frame)] += count

    def pct(n: int) -> str:
        return f"{100 * n / total:.1f}% | {n * per_sample_us:,.0f}"

    lines = [
        f"## {title}",
        "",
        f"{total} busy samples of the main thread (the event loop) at {rate} Hz, idle excluded; "
        f"{requests} requests served: about {total * per_sample_us:,.0f} µs of the event loop "
        "per request. Shares below are of the main thread's busy samples.",
        "",
    ]
    if others:
        lines += ["| other threads (not idle by py-spy's measure), by entry point | samples |"]
        lines += ["|---|---|"]
        lines += [f"| `{name}` | {n} |" for name, n in others.most_common(5)]
        lines += [""]
    lines += ["| area (where the sample was taken) | share | µs/request |", "|---|---|---|"]
    lines += [f"| {name} | {pct(n)} |" for name, n in by_area.most_common()]
    ours = [(k, n) for k, n in inclusive.most_common() if k.endswith(")") and "mock_server/" in k]
    lines += ["", "| mock_server function (inclusive) | share | µs/request |", "|---|---|---|"]
    lines += [f"| `{name}` | {pct(n)} |" for name, n in ours[:top]]
    # The outer ASGI chain (uvicorn → front door → connexion middlewares) holds nearly every
    # sample; the table starts below it, where the costs differ.
    below = [(k, n) for k, n in inclusive.most_common() if n < CHAIN * total]
    lines += ["", f"| function (inclusive, under {CHAIN:.0%}) | share | µs/request |"]
    lines += ["|---|---|---|"]
    lines += [f"| `{name}` | {pct(n)} |" for name, n in below[: top * 2]]
    lines += ["", "| function (self) | share | µs/request |", "|---|---|---|"]
    lines += [f"| `{name}` | {pct(n)} |" for name, n in own.most_common(top)]
    return "\n".join(lines) + "\n"


def write_summary(raw_file: Path, out: Path, title: str, requests: int, rate: int) -> str:
    text = summary(raw_file.read_text(encoding="utf-8", errors="replace"), title, requests, rate)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return text
