"""Concurrent changes to one task, through the real server on PostgreSQL: none is lost, none is a 500.

Each change is one UPDATE ... RETURNING or DELETE ... RETURNING, so the database decides the order.
"""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

pytestmark = pytest.mark.postgres
WORKERS = 16


@pytest.fixture(scope="module")
def server(database_url, live_server_factory, settings_factory):
    with live_server_factory(lambda port: settings_factory(database_url)) as url:
        yield url


@pytest.fixture
def owner(server):
    import secrets

    body = httpx.post(
        f"{server}/api/auth/signup",
        json={"email": f"race-{secrets.token_hex(5)}@example.com", "password": "correct horse battery"},
    ).json()
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    base = f"{server}/api/{body['user']['id']}/tasks"
    return base, headers


def new_task(owner, title="Race me"):
    base, headers = owner
    return httpx.post(base, json={"title": title}, headers=headers).json()["id"]


def in_parallel(requests):
    """Send every request (a function of an httpx.Client) at once; the status codes, in order."""
    with ThreadPoolExecutor(WORKERS) as pool, httpx.Client(timeout=30) as client:
        return list(pool.map(lambda request: request(client).status_code, requests))


@pytest.mark.parametrize("toggles", [50, 51])
def test_parallel_toggles_end_in_the_state_their_number_predicts(owner, toggles):
    base, headers = owner
    task_id = new_task(owner)
    statuses = in_parallel([lambda c: c.patch(f"{base}/{task_id}/complete", headers=headers)] * toggles)
    assert statuses == [200] * toggles
    completed = httpx.get(f"{base}/{task_id}", headers=headers).json()["completed"]
    assert completed is (toggles % 2 == 1)


def test_parallel_explicit_completions_all_succeed_and_agree(owner):
    base, headers = owner
    task_id = new_task(owner)
    complete = {"completed": True}
    statuses = in_parallel([lambda c: c.patch(f"{base}/{task_id}/complete", json=complete, headers=headers)] * 30)
    assert statuses == [200] * 30
    assert httpx.get(f"{base}/{task_id}", headers=headers).json()["completed"] is True


def test_of_parallel_deletes_of_one_task_exactly_one_wins(owner):
    base, headers = owner
    task_id = new_task(owner)
    statuses = in_parallel([lambda c: c.delete(f"{base}/{task_id}", headers=headers)] * 20)
    assert sorted(statuses) == [204] + [404] * 19


def test_a_delete_racing_updates_gives_no_5xx(owner):
    base, headers = owner
    for _ in range(5):
        url = f"{base}/{new_task(owner)}"
        updates = [lambda c, n=n, url=url: c.put(url, json={"title": f"edit {n}"}, headers=headers) for n in range(19)]
        statuses = in_parallel([*updates[:9], lambda c, url=url: c.delete(url, headers=headers), *updates[9:]])
        assert statuses[9] == 204
        assert set(statuses) <= {200, 204, 404}, statuses


@pytest.fixture(scope="module")
def portable_server(database_url, live_server_factory, settings_factory):
    """The same app with the fast path off: the SQLAlchemy path (SQLite's) on PostgreSQL."""
    with live_server_factory(lambda port: settings_factory(database_url, db_fast_pool_size=0)) as url:
        yield url


@pytest.mark.parametrize("path", ["fast", "portable"])
def test_parallel_creates_take_distinct_numbers_with_no_gap(request, path):
    """Each create takes the user's next number from a counter the database locks: 48 at once get 1..48."""
    server = request.getfixturevalue("server" if path == "fast" else "portable_server")
    base, headers = request.getfixturevalue("owner")
    base = base.replace(request.getfixturevalue("server"), server)

    def create(index):
        return lambda client: client.post(base, json={"title": f"parallel {index}"}, headers=headers)

    assert in_parallel([create(index) for index in range(48)]) == [201] * 48
    tasks = httpx.get(base, headers=headers).json()
    assert sorted(task["number"] for task in tasks) == list(range(1, 49))
    assert [task["number"] for task in tasks] == sorted(task["number"] for task in tasks)  # same order as ids
