"""The whole study as one resumable plan of command lines.

:mod:`~hdf_bench.study.plan` turns a data set, zoo models, folds, seeds and the wanted parts
(robustness sweep, imbalance runs) into :class:`~hdf_bench.study.plan.Job` objects, each one
command line with its dependencies; :mod:`~hdf_bench.study.state` keeps one state file per job in
the run folder; :mod:`~hdf_bench.study.launchers` runs the jobs in one process, under
``torchrun`` or through Slurm; :mod:`~hdf_bench.study.summary` writes the fold mean +- std table
and FERV39k's per-scene table from the results stores. ``hdf-bench study`` is the front end.
"""
