"""``python -m benchmarks``: run the benchmarks, print the table (and the JSON line).

Exit status: 0 when the benchmarks ran, whether or not every target was met (missed
targets are listed); 1 when something could not be measured (the reason is printed);
2 for a bad command line.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchmarks import MEASURES, evaluate, machine, run
from benchmarks.core import ROOT
from benchmarks.report import render_json, render_table
from bot.flows import FlowError, FlowSet, load_flows

__all__ = ["main", "parser"]

EXAMPLE = """\
Example:

    .venv/bin/python -m benchmarks --quick --json
"""


def parser() -> argparse.ArgumentParser:
    """The command line."""
    cli = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure engine and end-to-end speed, memory per session, statistics and start-up, "
                    "each beside its floor or baseline, and check them against the targets of issue #7.",
        epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    size = cli.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="fewer iterations (under a minute); same measures")
    size.add_argument("--tiny", action="store_true", help="the smallest run, for the test suite: figures are rough")
    cli.add_argument("--json", action="store_true", help="also print one JSON object on the last line of stdout")
    cli.add_argument("--only", metavar="GROUPS", default="",
                     help=f"comma-separated measure groups to run: {', '.join(MEASURES)} (default: all)")
    cli.add_argument("--flows", metavar="DIR", type=Path, default=None,
                     help="the flows folder to measure (default: the repository's flows/)")
    return cli


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _load(folder: Path) -> FlowSet:
    try:
        return load_flows(folder)
    except FlowError as exc:
        for problem in exc.problems:
            _log(str(problem))
        _log(f"Cannot benchmark: the flows in {folder} have errors. Fix them (referral-bot validate) "
             "or pass --flows DIR.")
        raise SystemExit(1) from None


def main(argv: list[str] | None = None) -> int:
    """Run and report; see the module docstring for the exit status."""
    cli = parser()
    args = cli.parse_args(argv)
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in only if name not in MEASURES]
    if unknown:
        cli.error(f"unknown measure group(s) {', '.join(unknown)}; choose from {', '.join(MEASURES)}.")
    mode = "quick" if args.quick else "tiny" if args.tiny else "full"
    flows_dir = (args.flows or ROOT / "flows").resolve()
    flowset = _load(flows_dir)
    started = time.perf_counter()
    results, failures = run(mode, flowset, flows_dir, only or None, log=_log)
    targets_met, targets = evaluate(results)
    print(f"Referral Guide benchmarks, {mode} mode, {len(flowset.flows)} flows from {flows_dir}")
    print(f"Machine: {machine()}")
    print(f"Took {time.perf_counter() - started:.0f} s. Command: python -m benchmarks"
          f"{' --' + mode if mode != 'full' else ''}{' --only ' + ','.join(only) if only else ''}")
    print()
    print(render_table(results))
    for failure in failures:
        print(f"Could not measure {failure}")
    if args.json:
        print(render_json(targets_met and not failures, results, targets))
    sys.stdout.flush()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
