"""Where ``course grade`` runs its gradings: here, or on the workers of a Dask cluster.

One job grades here, one submission after the other. ``--jobs N`` starts a local Dask
cluster of N worker processes, one grading at a time each; ``--scheduler ADDRESS``
sends the gradings to the workers of a running cluster (on Slurm, Kubernetes, or
started by hand: see the README). A task carries the submission's file name and bytes,
so a worker needs no shared file system: only this version of the course installed, and
bubblewrap. The worker builds the submission's sandbox itself
(:func:`helpers.course.grading.grade_submission`), and a grading that a worker cannot
finish (the worker died, the cluster went away) is that submission's error, never the
batch's.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from helpers.course.grading import ERROR, NotebookGrade, Settings, grade_submission

Submission = tuple[str, bytes]  # a file name and the file's bytes


def grade_all(submissions: list[Submission], settings: Settings, jobs: int = 1,
              scheduler: str | None = None) -> Iterator[tuple[int, NotebookGrade]]:
    """Each submission's index and grade, in the order the gradings finish."""
    if jobs == 1 and scheduler is None:
        for index, (name, content) in enumerate(submissions):
            yield index, grade_submission(name, content, settings)
        return
    from distributed import as_completed

    with dask_client(jobs, scheduler, settings) as client:
        futures = {client.submit(grade_submission, name, content, settings, pure=False,
                                 key=f"grade-{index}-{Path(name).name}"): index
                   for index, (name, content) in enumerate(submissions)}
        for future in as_completed(futures):
            index = futures[future]
            try:
                result = future.result()
            except Exception as error:  # noqa: BLE001  (a lost worker or task fails this submission only)
                result = NotebookGrade(Path(submissions[index][0]), status=ERROR, error=(
                    f"the grading cluster could not grade it: {type(error).__name__}: {error}"))
            future.release()
            yield index, result


@contextmanager
def dask_client(jobs: int, scheduler: str | None, settings: Settings) -> Iterator[Any]:
    """A Dask client: of the cluster at ``scheduler``, else of a local cluster of ``jobs`` worker
    processes, one thread each (a grading's work is in its kernel, a process of its own)."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler, timeout="30s") as client:
            yield client
        return
    # Each worker process, and so each kernel it starts, computes with the threads of settings.
    env = {"OMP_NUM_THREADS": str(settings.threads or 1)}
    import dask

    # Dask's scratch files (its scheduler's and workers') in a folder that goes with the cluster.
    with tempfile.TemporaryDirectory(prefix="course-dask-") as scratch, \
            dask.config.set({"temporary-directory": scratch}), \
            LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, memory_limit=0,
                         dashboard_address=None, silence_logs=logging.ERROR, env=env,
                         local_directory=scratch) as cluster, \
            Client(cluster) as client:
        yield client
