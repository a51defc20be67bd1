"""The one exception a request meets when it gets no database connection, from either pool (SQLAlchemy's in db.py,
the fast path's in db_fast.py): DatabaseUnavailable, answered 503 with Retry-After (api/errors.py) or, over MCP, a
tool error with the same message.
"""

# The Retry-After every DatabaseUnavailable answer carries.
RETRY_AFTER_SECONDS = 1


class DatabaseUnavailable(Exception):
    """No database connection in time: the database is unreachable, a connection was lost under a statement, or
    every connection stayed busy for DB_POOL_TIMEOUT. The exception's own text is for the log; clients get MESSAGE
    and Retry-After."""

    MESSAGE = "The database is not available right now. Please try again in a moment."
    retry_after = RETRY_AFTER_SECONDS
