"""Turn expected failures into clear JSON answers: 4xx, and 503 when there is no database connection (unexpected
failures: see api/middleware.py)."""

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from todo_api.db_connect import DatabaseUnavailable
from todo_api.services.errors import AccountGoneError, ConflictError, InvalidInputError, NotFoundError, ServiceError

MAX_ERRORS_SHOWN = 10
MAX_LOC_CHARS = 64

_SERVICE_STATUS = {
    AccountGoneError: status.HTTP_401_UNAUTHORIZED,
    NotFoundError: status.HTTP_404_NOT_FOUND,
    ConflictError: status.HTTP_409_CONFLICT,
    InvalidInputError: status.HTTP_422_UNPROCESSABLE_CONTENT,
}


async def service_error_handler(request: Request, error: ServiceError) -> JSONResponse:
    code = next((code for kind, code in _SERVICE_STATUS.items() if isinstance(error, kind)), 400)
    return JSONResponse({"detail": str(error)}, status_code=code)


async def validation_error_handler(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = error.errors()
    if any(item.get("type") == "json_invalid" for item in errors):
        return JSONResponse({"detail": "Malformed JSON in request body"}, status_code=status.HTTP_400_BAD_REQUEST)
    # Only where and what: echoing the rejected input back could leak a password into logs or screens.
    # Bounded too: a body with thousands of unknown fields gets a short answer, not one entry each.
    details = [
        {
            "loc": [part if isinstance(part, int) else str(part)[:MAX_LOC_CHARS] for part in item.get("loc", ())],
            "msg": item.get("msg", "invalid"),
            "type": item.get("type", ""),
        }
        for item in errors[:MAX_ERRORS_SHOWN]
    ]
    if len(errors) > MAX_ERRORS_SHOWN:
        more = len(errors) - MAX_ERRORS_SHOWN
        details.append({"loc": [], "msg": f"and {more} more errors", "type": "too_many_errors"})
    return JSONResponse({"detail": details}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def database_unavailable_handler(request: Request, error: DatabaseUnavailable) -> JSONResponse:
    """Every "no database connection" (unreachable, lost, or all busy past DB_POOL_TIMEOUT), from either pool: one
    answer, soon, that a client may retry after Retry-After seconds."""
    return JSONResponse(
        {"detail": DatabaseUnavailable.MESSAGE},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(error.retry_after)},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, service_error_handler)
    app.add_exception_handler(DatabaseUnavailable, database_unavailable_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
