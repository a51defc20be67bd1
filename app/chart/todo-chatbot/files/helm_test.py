"""helm test: the backend is ready and a chat message adds a task through the agent's tools.

Runs as `python -c` in the backend image with only the standard library. BACKEND_URL is the
backend Service; exits non-zero (failing `helm test`) with the reason on stderr.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

BACKEND_URL = os.environ["BACKEND_URL"].rstrip("/")
READY_WAIT_SECONDS = float(os.environ.get("READY_WAIT_SECONDS", "60"))


def call(method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = None if body is None else json.dumps(body).encode()
    # S310: BACKEND_URL is the chart's own http:// Service URL, never user input
    request = urllib.request.Request(BACKEND_URL + path, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def expect(condition, message):
    if not condition:
        sys.exit("helm test failed: " + message)


def wait_ready(seconds=READY_WAIT_SECONDS):
    """/readyz, retried while the connection fails: a NetworkPolicy controller admits a new pod's address
    (this test pod's) a few seconds after the pod starts."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return call("GET", "/readyz")
        except (urllib.error.URLError, OSError) as error:
            if time.monotonic() >= deadline:
                unreachable = f"the backend at {BACKEND_URL} was not reachable for {seconds:.0f} s: {error}"
                sys.exit("helm test failed: " + unreachable)
            time.sleep(2)


status, body = wait_ready()
expect(status == 200 and isinstance(body, dict) and body.get("status") == "ready", f"/readyz answered {status} {body}")
# Readiness means the pod serves; whether it reaches the database is in the body.
expect(body.get("database") == "ok", f"/readyz says the database is {body.get('database')}: {body}")

email = f"helm-test-{uuid.uuid4().hex[:12]}@example.com"
password = uuid.uuid4().hex
status, body = call("POST", "/api/auth/signup", {"email": email, "password": password})
expect(status == 201, f"sign-up answered {status} {body}")
token, user_id = body["access_token"], body["user"]["id"]

status, body = call("POST", f"/api/{user_id}/chat", {"message": "add a task to test helm"}, token)
expect(status == 200, f"chat answered {status} {body}")
tool_names = [tool_call.get("name") for tool_call in body.get("tool_calls", [])]
expect("add_task" in tool_names, f"chat ran tools {tool_names}, not add_task: {body}")

status, tasks = call("GET", f"/api/{user_id}/tasks", None, token)
expect(status == 200, f"task list answered {status} {tasks}")
titles = [task["title"] for task in tasks]
expect(any("test helm" in title.lower() for title in titles), f"no task about 'test helm' in {titles}")

# Leave nothing behind in the user's database: the account goes, and its task and conversation with it.
status, body = call("DELETE", "/api/auth/me", {"password": password}, token)
expect(status == 204, f"deleting the test account answered {status} {body}")

print(f"helm test passed: /readyz ready, chat ran add_task, tasks {titles}, test account deleted")
