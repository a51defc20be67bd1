"""Serve a built single-page app from STATIC_DIR, with history fallback to index.html."""

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse

# Paths owned by the API: an unknown one there is a real 404, not a client-side route.
RESERVED_PREFIXES = ("api/", "mcp", "healthz", "readyz")


def mount_spa(app: FastAPI, static_dir: str) -> None:
    root = Path(static_dir).resolve()
    index = root / "index.html"
    if not index.is_file():
        raise RuntimeError(f"STATIC_DIR {static_dir} has no index.html")

    @app.get("/{spa_path:path}", include_in_schema=False)
    async def spa(spa_path: str) -> FileResponse:
        if spa_path == "api" or spa_path.startswith(RESERVED_PREFIXES):
            raise HTTPException(status_code=404, detail="Not Found")
        candidate = (root / spa_path).resolve()
        if spa_path and candidate.is_relative_to(root) and candidate.is_file():
            # Vite fingerprints file names under assets/, so they can be cached for good.
            cache = "public, max-age=31536000, immutable" if spa_path.startswith("assets/") else "no-cache"
            return FileResponse(candidate, headers={"Cache-Control": cache})
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
