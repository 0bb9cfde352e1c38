"""The report's sections: each function takes the :class:`~hdf_bench.report.context.Context`
and returns a :class:`~hdf_bench.report.document.Section`."""
