"""``python -m benchmarks [--quick] [--out DIR] [--repeats N] [--skip CASE ...]``."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

from benchmarks.config import Config
from benchmarks.runner import CASES, run
from benchmarks.servers import REPO_ROOT


def output_dir(out: Path | None, *, quick: bool) -> Path:
    """``--out`` if given; else the repository (full run) or a new temporary folder (quick).

    Only the full run may rewrite the committed BENCHMARKS.md and charts.
    """
    if out is not None:
        return out
    return Path(tempfile.mkdtemp(prefix="msm-bench-quick-")) if quick else REPO_ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark mongodb-session-manager against Strands' File and S3 managers.",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (what CI runs)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where BENCHMARKS.md and docs/benchmarks/ go. Default: the repository for the "
        "full run (it rewrites BENCHMARKS.md); a new temporary folder for --quick",
    )
    parser.add_argument("--repeats", type=int, help="repetitions of each timed figure")
    parser.add_argument(
        "--s3-max-messages", type=int, help="largest session resumed from moto's S3"
    )
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=[name for name, _ in CASES], help="cases to skip"
    )
    args = parser.parse_args(argv)
    config = Config.quick_run() if args.quick else Config.full()
    changes: dict[str, object] = {"skip": frozenset(args.skip)}
    if args.repeats is not None:
        if args.repeats < 1:
            parser.error("--repeats must be at least 1")
        changes["repeats"] = args.repeats
    if args.s3_max_messages is not None:
        changes["s3_max_messages"] = args.s3_max_messages
    run(dataclasses.replace(config, **changes), output_dir(args.out, quick=args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
