"""One module per region of the page, each a function from a ``Frame`` to ``El`` trees.

Public names (each region's entry point):
    header.header(frame)            <html> hooks, overall status, notice, theme, locales
    lookup.lookup(frame)            "find my shard" answer
    glance.glance(frame)            summary facts, legend, filter toolbar
    clusters.clusters(frame)        cluster cards and shard grids
    changes.changes(frame)          recent state changes
    details.details(frame)          the shard details popover
    diagnostics.diagnostics(frame)  problems found in the last answer
    watch.watch(frame)              the "notify me" toggle and its explanation (issue 15)
"""
