"""Start-up: ``import mongodb_session_manager``, ``msm --version``, ``msm --help``.

Each figure is a fresh interpreter, with bytecode compiled first (this machine
sets PYTHONDONTWRITEBYTECODE, which makes every process compile from source:
about 3x what a user with ``.pyc`` files sees). The heavy dependencies loaded by
the import are listed: the facade imports them only when a feature needs them.
"""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import mongodb_session_manager
from benchmarks.context import BenchContext
from benchmarks.report import Section

HEAVY = ("beanie", "pymongo", "strands", "boto3", "fastapi", "uvicorn", "pydantic")
PROBES = {
    "python -c pass (the interpreter alone)": ["-c", "pass"],
    "import mongodb_session_manager": ["-c", "import mongodb_session_manager"],
    "msm --version": ["-m", "mongodb_session_manager.cli", "--version"],
    "msm --help": ["-m", "mongodb_session_manager.cli", "--help"],
}


def _compile() -> None:
    """Write .pyc files for the package and its dependencies, as an installer would."""
    package = Path(mongodb_session_manager.__file__).parent
    for folder in {package, *(Path(p) for p in sys.path if p.endswith("site-packages"))}:
        compileall.compile_dir(folder, quiet=1, workers=1)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["COLUMNS"] = "80"
    return env


def _time(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, *args], capture_output=True, check=True, env=_env())
    return time.perf_counter() - started


def _loaded_after_import() -> list[str]:
    code = (
        "import sys, mongodb_session_manager\n"
        f"print(' '.join(n for n in {HEAVY!r} if n in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_env()
    )
    return done.stdout.split()


def run(ctx: BenchContext) -> Section:
    """Median wall time of each probe over ``repeats`` fresh processes."""
    _compile()
    repeats = max(3, ctx.config.repeats)
    data: dict[str, dict[str, float]] = {}
    rows = []
    for label, args in PROBES.items():
        _time(args)  # warm the OS file cache
        samples = [_time(args) for _ in range(repeats)]
        data[label] = {
            "median_ms": round(statistics.median(samples) * 1000, 1),
            "min_ms": round(min(samples) * 1000, 1),
        }
        rows.append([label, f"{data[label]['median_ms']:.0f}", f"{data[label]['min_ms']:.0f}"])
    loaded = _loaded_after_import()
    return Section(
        id="startup",
        title="Start-up time",
        intro=(
            "Fresh processes with bytecode compiled; medians over "
            f"{repeats} runs. The target is under 300 ms for `msm --version` and "
            "`msm --help` on an idle machine; the load average is in the header."
        ),
        columns=["what", "median (ms)", "fastest (ms)"],
        rows=rows,
        data={"probes": data, "heavy_modules_after_import": loaded, "repeats": repeats},
        notes=[
            "Heavy modules loaded by `import mongodb_session_manager`: "
            + (", ".join(loaded) if loaded else "none")
            + f" (of {', '.join(HEAVY)})."
        ],
    )
