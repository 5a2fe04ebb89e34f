"""One module per region of the page, each a function from a ``Frame`` to ``El`` trees.

Each region's entry point is the function of its module's name: ``header`` (the ``<html>``
hooks, the overall status, the notice, the theme and the locales), ``lookup`` (the "find my
shard" answer), ``glance`` (summary facts, legend, filter toolbar), ``clusters`` (cluster
cards and shard grids), ``changes`` (recent state changes), ``details`` (the shard details
popover), ``diagnostics`` (problems found in the last answer) and ``watch`` (the "notify me"
toggle and its explanation).
"""
