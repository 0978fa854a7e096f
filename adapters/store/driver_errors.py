"""Driver errors as the library's persistence errors, for both of our DB-API drivers.

sqlite3 and psycopg both name their exceptions after DB-API 2.0 (psycopg's specific ones,
such as ``UniqueViolation``, subclass those), so one table by name serves both, as the
library translates them in its own transactions. Callers raise the result ``from`` the
driver's error.
"""

from __future__ import annotations

from eventsourcing import persistence as p

_BY_NAME: dict[str, type[p.PersistenceError]] = {
    "InterfaceError": p.InterfaceError,
    "DataError": p.DataError,
    "OperationalError": p.OperationalError,
    "IntegrityError": p.IntegrityError,
    "InternalError": p.InternalError,
    "ProgrammingError": p.ProgrammingError,
    "NotSupportedError": p.NotSupportedError,
    "DatabaseError": p.DatabaseError,
}


def persistence_error(error: Exception) -> p.PersistenceError:
    """The library's error for ``error``: the most specific DB-API class it is an instance of."""
    for cls in type(error).__mro__:
        ours = _BY_NAME.get(cls.__name__)
        if ours is not None:
            return ours(str(error))
    return p.PersistenceError(str(error))
