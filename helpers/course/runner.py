"""``course run``: execute notebooks with papermill and collect their records.

Each run goes to ``runs/<timestamp>/``: the executed notebooks, ``results.json``
(stable, machine-readable) and ``results.md`` (our scores beside the book's).
What a lesson prints (its settings, its data, each training's steps and time)
appears in the terminal while it runs.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from helpers.course.config import RECORD_ENV, runs_dir
from helpers.course.lessons import LESSONS


def parse_value(text: str) -> Any:
    """Read a ``-p NAME VALUE`` value as papermill does: int, float, bool, None, else str."""
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"True": True, "False": False, "None": None}.get(text, text)


def run_notebooks(notebooks: list[Path], profile: str = "auto",
                  parameters: dict[str, Any] | None = None, out_dir: Path | None = None) -> dict[str, Any]:
    """Execute ``notebooks`` in order; return the results (``out_dir`` says where they are).

    A failing notebook is reported (its ``error``) and the others still run.
    """
    import papermill

    missing = [str(nb) for nb in notebooks if not nb.exists()]
    if missing:
        raise FileNotFoundError(f"No such notebook(s): {', '.join(missing)}")
    out_dir = out_dir or runs_dir() / datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"created": datetime.now().isoformat(timespec="seconds"), "notebooks": {}}
    for notebook in notebooks:
        name = notebook.stem
        record_path = out_dir / f"{name}.record.json"
        os.environ[RECORD_ENV] = str(record_path)
        print(f"\n=== {name} (profile {profile}) ===", flush=True)
        started = time.perf_counter()
        error = None
        try:
            papermill.execute_notebook(
                str(notebook), str(out_dir / notebook.name),
                parameters={"profile": profile, **(parameters or {})},
                cwd=str(notebook.resolve().parent), progress_bar=False,
                stdout_file=sys.stdout,  # the lesson's printed lines, as they come
            )
        except Exception as exc:  # a failed lesson must not hide the others' results
            error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"
            print(f"FAILED: {error}")
        finally:
            os.environ.pop(RECORD_ENV, None)
        entry = json.loads(record_path.read_text()) if record_path.exists() else {"scores": {}}
        entry["wall_s"] = round(time.perf_counter() - started, 1)
        if error:
            entry["error"] = error
        results["notebooks"][name] = entry
        print(f"{name}: {entry['wall_s']} s, scores {entry['scores']}")
    (out_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (out_dir / "results.md").write_text(results_markdown(results))
    print(f"\nResults: {out_dir / 'results.md'}")
    return {**results, "out_dir": str(out_dir)}


def results_markdown(results: dict[str, Any]) -> str:
    """A table per run: each score of each notebook beside the book's figure."""
    lines = [
        f"# Course run {results['created']}", "",
        "| notebook | profile | device | model | data | wall time | score | ours | book |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in results["notebooks"].items():
        if "error" in entry:
            scores = {f"FAILED: {entry['error']}": None}
        else:
            scores = entry.get("scores") or {"(no scores)": None}
        for score, value in scores.items():
            book = LESSONS[name].book.get(score) if name in LESSONS else None
            lines.append("| " + " | ".join([
                name, entry.get("profile", "?"), entry.get("device", "?"), entry.get("model", "-"),
                entry.get("data_source", "-"), f"{entry['wall_s']:.0f} s", score,
                "-" if value is None else f"{value:.3f}",
                "-" if book is None else f"{book.value:.3f} ({book.source})",
            ]) + " |")
    lines += ["", "Our scores come from this run on this machine. The book's come from a Colab T4 "
              "with bert-base-cased on the Hub's data; each names the page or stored run it is taken from."]
    return "\n".join(lines) + "\n"
