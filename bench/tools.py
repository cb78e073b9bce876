"""The benchmark's own tools, installed on first use: wrk (Debian), Prism (npm), py-spy (PyPI)."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from .cases import ROOT

CACHE = ROOT / ".cache"
PRISM_DIR = CACHE / "prism"
PRISM_BIN = PRISM_DIR / "node_modules" / ".bin" / "prism"
PRISM_PACKAGE = "@stoplight/prism-cli@5"


def _say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def ensure_wrk() -> str:
    return ensure_apt("wrk", "wrk")


def ensure_apt(binary: str, package: str) -> str:
    """``binary``'s path, installing Debian's ``package`` with apt-get when it is missing."""
    found = shutil.which(binary)
    if found:
        return found
    apt = (
        ["apt-get"]
        if os.geteuid() == 0
        else (["sudo", "-n", "apt-get"] if shutil.which("sudo") else None)
    )
    if apt is None or not shutil.which("apt-get"):
        raise SystemExit(f"bench: {binary} is missing; install it (apt-get install {package})")
    _say(f"installing {package} with apt-get")
    subprocess.run([*apt, "update", "-qq"], check=True)
    subprocess.run(
        [*apt, "install", "-y", "-qq", package],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    found = shutil.which(binary)
    if not found:
        raise SystemExit(f"bench: apt-get installed no {binary}")
    return found


def ensure_prism() -> Path | None:
    """Prism's CLI in .cache/prism (installed there on first use); None without npm."""
    if PRISM_BIN.exists():
        return PRISM_BIN
    npm = shutil.which("npm")
    if npm is None:
        _say("npm is missing: Prism will not be measured (install Node.js 18+ and npm)")
        return None
    _say(f"installing {PRISM_PACKAGE} into {PRISM_DIR.relative_to(ROOT)}")
    PRISM_DIR.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [npm, "install", "--prefix", str(PRISM_DIR), "--no-audit", "--no-fund", PRISM_PACKAGE],
        check=False,
    )
    if result.returncode != 0 or not PRISM_BIN.exists():
        _say("npm install failed: Prism will not be measured")
        return None
    return PRISM_BIN


def ensure_py_spy() -> str:
    candidate = Path(sys.executable).parent / "py-spy"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("py-spy")
    if found:
        return found
    _say("installing py-spy (the `bench` optional dependencies) into the venv")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[bench]"], check=True
    )
    if not candidate.exists():
        raise SystemExit("bench: py-spy did not install")
    return str(candidate)


def _version(argv: list[str]) -> str | None:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return None
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0].strip() if text else None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gb() -> float | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def machine() -> dict[str, Any]:
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": _mem_total_gb(),
        "os": f"{platform.system()} {platform.release()}",
    }


def versions(wrk: str | None, prism: Path | None) -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for dist in ("connexion", "starlette", "uvicorn", "jsonschema", "uvloop", "httptools"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    out["wrk"] = _version([wrk, "--version"]) if wrk else None
    if out["wrk"]:
        out["wrk"] = out["wrk"].split("Copyright")[0].strip()
    node = shutil.which("node")
    out["node"] = _version([node, "--version"]) if node else None
    out["prism"] = _version([str(prism), "--version"]) if prism else None
    return out
