"""Exercise checks: one module per lesson, named like the lesson without its number.

A lesson's check cell imports its module afresh and calls the check named like
its exercise, for example::

    from helpers.checks import supervised_classification as checks
    checks.f1_by_hand(f1_by_hand, y_pred, settings)

Each check prints ``PASS`` or ``NOT YET`` with a hint (:mod:`helpers.checks.core`). What it
compares the learner's work with comes from the course's own data, never from the learner's
variables (:mod:`helpers.checks.reference`).
"""
