import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])
logger = logging.getLogger(__name__)
READY_CHECK_TIMEOUT_SECONDS = 3


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    try:
        async with asyncio.timeout(READY_CHECK_TIMEOUT_SECONDS):
            async with request.app.state.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means "not ready"; the reason goes to the log, not the client
        logger.warning("readiness check failed", extra={"error": repr(error)})
        return JSONResponse({"status": "unavailable", "detail": "database unreachable"}, status_code=503)
    return JSONResponse({"status": "ready"})
