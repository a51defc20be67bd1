"""The ASGI application: `uvicorn todo_api.main:app`."""

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Response
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.routing import Route

from todo_api.agent import warm_up_llm
from todo_api.api.errors import install_error_handlers
from todo_api.api.middleware import BodyLimitMiddleware, RequestContextMiddleware
from todo_api.api.routes import auth, chat, conversations, health, tasks
from todo_api.core import gc_tuning
from todo_api.core.config import Settings, get_settings
from todo_api.core.fair_gate import FairGate
from todo_api.core.lifecycle import Lifecycle
from todo_api.core.logging import configure_logging
from todo_api.core.metrics import Metrics
from todo_api.core.throttle import LoginThrottle
from todo_api.db import create_app_engine, create_read_session_factory, create_session_factory, is_postgresql
from todo_api.db_connect import Connector
from todo_api.db_fast import create_fast_pool
from todo_api.mcp_server import MCP_PATH, build_mcp_app, build_mcp_server
from todo_api.models import ErrorResponse
from todo_api.services.users import BoundedHasher
from todo_api.static import mount_spa

logger = logging.getLogger(__name__)


# Every error status an endpoint may answer, so that clients and schema-driven tests know them.
ERROR_RESPONSES: dict[int | str, dict] = {
    code: {"model": ErrorResponse, "description": description}
    for code, description in {
        400: "Malformed request (e.g. invalid JSON)",
        401: "Missing, invalid or expired token, or wrong credentials",
        403: "The path names another user's data",
        404: "No such task or conversation for this user",
        409: "Conflict (e.g. the email is taken)",
        413: "Request body too large",
        422: "Invalid input: where and what (never the input itself)",
        429: "Too many failed logins; see Retry-After",
        431: "Request line and headers too large (16,384 bytes by default), answered by the server before the app",
        503: "No database connection: the database is unreachable or every connection stayed busy; retry after "
        "Retry-After seconds",
    }.items()
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    # One connector (and so one breaker) for both pools: when one finds the database down, both answer at once.
    connector = None
    if is_postgresql(settings.database_url):
        connector = Connector(settings.database_url, settings.db_connect_timeout)
    engine = create_app_engine(settings, connector)
    session_factory = create_session_factory(engine)
    fast_pool = create_fast_pool(settings, connector)
    metrics = Metrics(engine)
    # Requests queue for the pool's connections first come, first served (core/fair_gate.py).
    db_gate = FairGate(
        settings.db_pool_size + settings.db_max_overflow,
        settings.db_pool_timeout,
        connector.breaker if connector is not None else None,
    )
    lifecycle = Lifecycle()
    mcp = build_mcp_server(settings, session_factory, metrics, db_gate)
    mcp_app = build_mcp_app(mcp)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        logger.info("starting", extra={"app_env": settings.app_env, "llm_enabled": settings.llm_enabled})
        llm_import = warm_up_llm(settings)
        async with mcp.session_manager.run():
            gc_tuning.tune_after_start_up()
            with lifecycle.serving():
                yield
        if llm_import is not None:
            await llm_import
        # uvicorn has drained in-flight requests by now (graceful shutdown); close pooled connections.
        if fast_pool is not None:
            await fast_pool.close()
        await engine.dispose()
        logger.info("stopped")

    app = FastAPI(
        title="Todo AI Chatbot API",
        lifespan=lifespan,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        responses=ERROR_RESPONSES,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.read_session_factory = create_read_session_factory(engine)
    app.state.fast_pool = fast_pool
    app.state.db_gate = db_gate
    app.state.lifecycle = lifecycle
    app.state.metrics = metrics
    app.state.hasher = BoundedHasher(settings.password_hash_concurrency)
    app.state.login_throttle = LoginThrottle(
        settings.login_max_failures_per_account, settings.login_max_failures_per_client, settings.login_window_seconds
    )

    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(RequestContextMiddleware)
    install_error_handlers(app)

    for router in (health.router, auth.router, tasks.router, chat.router, conversations.router):
        app.include_router(router)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        # Served to whoever reaches the backend's port (Prometheus, status.yml); the Ingress sends only
        # /api and /mcp here, so it is not public.
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # The MCP app keeps its own bearer-auth middleware; it answers exactly at /mcp.
    app.router.routes.append(Route(MCP_PATH, endpoint=mcp_app))
    if settings.static_dir:
        mount_spa(app, settings.static_dir)
    return app


app = create_app()
