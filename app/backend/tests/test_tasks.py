import pytest


def create(client, user, title="Buy groceries", **extra):
    response = client.post(user.url("/tasks"), json={"title": title, **extra}, headers=user.headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_returns_full_task(client, user):
    task = create(client, user, "  Buy   groceries ", description="milk, eggs")
    assert task["title"] == "Buy groceries"
    assert task["description"] == "milk, eggs"
    assert task["completed"] is False
    assert task["user_id"] == user.id
    assert set(task) == {"id", "number", "user_id", "title", "description", "completed", "created_at", "updated_at"}


def test_read_update_toggle_delete(client, user):
    task = create(client, user)
    url = user.url(f"/tasks/{task['id']}")
    assert client.get(url, headers=user.headers).json() == task

    updated = client.put(url, json={"title": "Buy fruit", "description": "apples"}, headers=user.headers).json()
    assert (updated["title"], updated["description"], updated["completed"]) == ("Buy fruit", "apples", False)
    assert updated["updated_at"] >= task["updated_at"]

    assert client.put(url, json={"completed": True}, headers=user.headers).json()["completed"] is True
    toggled = client.patch(f"{url}/complete", headers=user.headers)
    assert toggled.status_code == 200
    assert toggled.json()["completed"] is False
    assert client.patch(f"{url}/complete", headers=user.headers).json()["completed"] is True

    response = client.delete(url, headers=user.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(url, headers=user.headers).status_code == 404


def test_list_filters_by_status(client, user):
    open_task = create(client, user, "Open one")
    done_task = create(client, user, "Done one")
    client.patch(user.url(f"/tasks/{done_task['id']}/complete"), headers=user.headers)

    def titles(status):
        query = "" if status is None else f"?status={status}"
        response = client.get(user.url(f"/tasks{query}"), headers=user.headers)
        assert response.status_code == 200
        return [task["title"] for task in response.json()]

    assert titles(None) == ["Open one", "Done one"]
    assert titles("all") == ["Open one", "Done one"]
    assert titles("pending") == [open_task["title"]]
    assert titles("completed") == [done_task["title"]]
    assert client.get(user.url("/tasks?status=later"), headers=user.headers).status_code == 422


def test_missing_task_is_404(client, user):
    for method in ("get", "put", "delete"):
        response = client.request(method, user.url("/tasks/987654321"), headers=user.headers, json={"title": "x"})
        assert response.status_code == 404
    assert client.patch(user.url("/tasks/987654321/complete"), headers=user.headers).status_code == 404


def test_other_users_task_is_404_and_untouched(client, user, other_user):
    task = create(client, user, "Private")
    foreign_url = other_user.url(f"/tasks/{task['id']}")
    assert client.get(foreign_url, headers=other_user.headers).status_code == 404
    assert client.put(foreign_url, json={"title": "Hacked"}, headers=other_user.headers).status_code == 404
    assert client.patch(f"{foreign_url}/complete", headers=other_user.headers).status_code == 404
    assert client.delete(foreign_url, headers=other_user.headers).status_code == 404
    assert client.get(other_user.url("/tasks"), headers=other_user.headers).json() == []
    assert client.get(user.url(f"/tasks/{task['id']}"), headers=user.headers).json() == task


def test_wrong_user_id_in_path_is_403_everywhere(client, user, other_user):
    task = create(client, user)
    requests = [
        ("get", "/tasks", None),
        ("post", "/tasks", {"title": "x"}),
        ("get", f"/tasks/{task['id']}", None),
        ("put", f"/tasks/{task['id']}", {"title": "x"}),
        ("delete", f"/tasks/{task['id']}", None),
        ("patch", f"/tasks/{task['id']}/complete", None),
        ("post", "/chat", {"message": "show my tasks"}),
        ("get", "/conversations", None),
        ("get", "/conversations/1", None),
    ]
    for method, path, body in requests:
        response = client.request(method, user.url(path), headers=other_user.headers, json=body)
        assert response.status_code == 403, (method, path, response.text)
    assert client.get(user.url(f"/tasks/{task['id']}"), headers=user.headers).json()["title"] == task["title"]


@pytest.mark.parametrize(
    ("body", "bad_field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "description": "d" * 2001}, "description"),
        ({"title": "ok", "priority": "high"}, "priority"),
        ({"title": 42}, "title"),
        ({}, "title"),
    ],
)
def test_create_validation_errors(client, user, body, bad_field):
    response = client.post(user.url("/tasks"), json=body, headers=user.headers)
    assert response.status_code == 422
    assert bad_field in {str(part) for item in response.json()["detail"] for part in item["loc"]}


def test_limits_are_inclusive(client, user):
    task = create(client, user, "t" * 200, description="d" * 2000)
    assert len(task["title"]) == 200


@pytest.mark.parametrize("body", [{"title": ""}, {"completed": "maybe"}, {"done": True}, {"title": "x" * 201}])
def test_update_validation_errors(client, user, body):
    task = create(client, user)
    response = client.put(user.url(f"/tasks/{task['id']}"), json=body, headers=user.headers)
    assert response.status_code == 422


@pytest.mark.parametrize("raw", [b"{not json", b'{"title": "x",}', b"[1, 2"])
def test_malformed_json_is_400_with_clear_message(client, user, raw):
    headers = {**user.headers, "Content-Type": "application/json"}
    response = client.post(user.url("/tasks"), content=raw, headers=headers)
    assert response.status_code == 400
    assert response.json() == {"detail": "Malformed JSON in request body"}


def test_non_integer_ids_are_422(client, user):
    assert client.get(user.url("/tasks/abc"), headers=user.headers).status_code == 422
    assert client.get("/api/me/tasks", headers=user.headers).status_code == 422


def test_the_list_comes_in_pages_with_a_stable_order_and_a_next_link(client, user):
    ids = [create(client, user, f"Task {number}")["id"] for number in range(7)]
    client.patch(user.url(f"/tasks/{ids[1]}/complete"), headers=user.headers)

    seen, after, pages = [], 0, 0
    while True:
        response = client.get(user.url(f"/tasks?limit=3&after={after}"), headers=user.headers)
        assert response.status_code == 200
        page = response.json()
        pages += 1
        seen += [task["id"] for task in page]
        if "X-Next-After" not in response.headers:
            assert "Link" not in response.headers
            break
        after = int(response.headers["X-Next-After"])
        assert after == page[-1]["id"]
        assert response.headers["Link"] == f'<{user.url("/tasks")}?status=all&limit=3&after={after}>; rel="next"'
    assert seen == ids, "every task once, in id order"
    assert pages == 3

    # a page of exactly the rest has no next link; status filtering is kept across pages
    response = client.get(user.url(f"/tasks?limit=2&after={ids[4]}"), headers=user.headers)
    assert [task["id"] for task in response.json()] == ids[5:]
    assert "X-Next-After" not in response.headers
    pending = client.get(user.url("/tasks?status=pending&limit=2"), headers=user.headers)
    assert [task["id"] for task in pending.json()] == [ids[0], ids[2]]
    assert "status=pending" in pending.headers["Link"]


def test_the_default_page_is_bounded_and_the_bounds_are_enforced(client, user):
    from todo_api.services.tasks import PAGE_DEFAULT, PAGE_MAX

    assert (PAGE_DEFAULT, PAGE_MAX) == (100, 500)
    for query in ("limit=0", f"limit={PAGE_MAX + 1}", "after=-1", "after=99999999999999999999", "limit=x"):
        response = client.get(user.url(f"/tasks?{query}"), headers=user.headers)
        assert response.status_code == 422, (query, response.text)


def test_the_list_rows_have_the_same_shape_as_a_single_task(client, user):
    task = create(client, user, "Same shape", description="as GET /tasks/{id}")
    listed = client.get(user.url("/tasks"), headers=user.headers).json()
    assert listed == [client.get(user.url(f"/tasks/{task['id']}"), headers=user.headers).json()]
    assert listed[0]["created_at"].endswith("Z"), "timestamps are UTC with their zone"
