"""The four projections as pure functions: an event and the current row(s) in, row changes out.

No I/O here; ``ordertrail.projections.fold`` runs them over a batch and ``ordertrail.projections.writer``
stores the result.
"""
