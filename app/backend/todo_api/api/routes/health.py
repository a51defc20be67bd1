"""Liveness and readiness: what each means is what the chart's probes act on.

/healthz (liveness and start-up): the process answers HTTP. Never the database: a database outage must not restart
every backend pod.

/readyz (readiness): this pod can answer requests, i.e. the app has started and is not stopping; 503 only while it
stops (SIGTERM, core/lifecycle.py), so that it leaves the Service's endpoints. The database's state is in the body
("database": "ok" or "unavailable", one quick check through the pool and its breaker) but not in the status: when
the database is down every pod would go unready together, the Service would have no endpoint and the Ingress would
answer 502 for everything, where a ready pod answers 503 with Retry-After for what needs the database and serves
the rest.
"""

import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from todo_api.db_connect import DatabaseUnavailable

router = APIRouter(tags=["health"])
logger = logging.getLogger(__name__)
# Below the readiness probe's 2 s timeout: the answer must come in time whatever the database does.
DATABASE_CHECK_SECONDS = 1


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    if request.app.state.lifecycle.stopping:
        return JSONResponse({"status": "stopping"}, status_code=503)
    return JSONResponse({"status": "ready", "database": await _database_state(request)})


async def _database_state(request: Request) -> str:
    try:
        async with asyncio.timeout(DATABASE_CHECK_SECONDS):
            async with request.app.state.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except DatabaseUnavailable:
        return "unavailable"  # the breaker logged why when it opened
    except Exception as error:  # any failure means "unavailable"; the reason goes to the log, not the client
        logger.warning("readiness: the database did not answer", extra={"error": repr(error)})
        return "unavailable"
    return "ok"
