"""Helpers shared by more than one test suite (on pytest's pythonpath as `harness`).

- services: the one rule for a missing service (PostgreSQL, Chromium, npm): a failure in CI, a skip
  saying how to provide it elsewhere.
- postgres: temporary databases next to TEST_DATABASE_URL, and the app's migrations.
- backend: the backend on a free loopback port, ready when /healthz answers (a child process or a thread).
- browser: Debian's headless Chromium driven by Playwright.

The backend's own tests (app/backend/tests) use it too: they run from the repository root, whose
pyproject.toml puts tests/ on the path; the benchmarks in app/backend/bench put it there themselves.
"""
