"""The course's tooling; no lesson imports it.

- ``cli``: the ``course`` command (fetch, report, run, build, grade).
- ``lessons``: the per-lesson table (profile sizes, the book's figures); ``profiles`` resolves it.
- ``runner``, ``runlog``: ``course run`` and the records lessons write for it.
- ``build``: ``notebooks/`` generated from ``solutions/``.
- ``grading``, ``nbval_plugin``: ``course grade``.
- ``config``: every ``COURSE_*`` variable, and the checkout, runs and cache folders.
- ``hub``, ``downloads``, ``offline_data``, ``offline_models``: the offline sources.
"""
