"""The four projections as pure functions: an event and the current row(s) in, row changes out.

No I/O here; ``projections.fold`` runs them over a batch and ``projections.writer``
stores the result.
"""
