"""download_failure: the message a user gets when a prerequisites download fails names the host, the
variable that replaces it and the docs; a checksum mismatch gives both digests and the variable that pins one."""

from ansible_collections.cloudnative.todo_chatbot.plugins.filter.download_failure import download_failure

URL = "https://dl.k8s.io/release/v1.37.1/bin/linux/amd64/kubectl"
DOCS = "roles/prerequisites/README.md#air-gapped-networks-and-mirrors"


def test_an_unreachable_host_is_named_with_the_mirror_variable_and_the_docs():
    # what get_url returns when the name does not resolve (status -1, the urllib reason in msg)
    result = {
        "failed": True,
        "status": -1,
        "msg": "Request failed: <urlopen error [Errno -2] Name or service not known>",
    }
    message = download_failure(result, url=URL, mirror_variable="prerequisites_kubectl_mirror")
    assert "from dl.k8s.io:" in message
    assert "Name or service not known" in message
    assert "set prerequisites_kubectl_mirror to a mirror" in message
    assert DOCS in message
    assert "Nothing was installed." in message


def test_an_http_error_gives_the_status():
    result = {"failed": True, "status": 404, "msg": "HTTP Error 404: Not Found"}
    message = download_failure(result, url=URL, mirror_variable="prerequisites_kubectl_mirror")
    assert "HTTP 404: HTTP Error 404: Not Found" in message
    assert "dl.k8s.io" in message


def test_a_checksum_mismatch_gives_both_digests_and_the_pinning_variable():
    expected = "65691ff77eb6fa44c908b77a1082c9f092c3b9733b5cefabec0d1104890e21a8"
    actual = "0" * 63 + "1"
    # get_url's own wording (ansible-core 2.19: "The checksum for <tmp> did not match <sum>; it was <sum>.")
    result = {"failed": True, "msg": f"The checksum for /tmp/tmpabc did not match {expected}; it was {actual}."}
    message = download_failure(
        result,
        url=URL,
        mirror_variable="prerequisites_kubectl_mirror",
        checksums_variable="prerequisites_kubectl_checksums",
        platform="linux-amd64",
        digest_source="the pinned prerequisites_kubectl_checksums['linux-amd64']",
    )
    assert f"The SHA-256 of {URL} is {actual}, but {expected} was expected" in message
    assert "set prerequisites_kubectl_checksums['linux-amd64']" in message
    assert "prerequisites_kubectl_mirror" in message
    assert "nothing was installed" in message


def test_a_result_without_a_message_still_names_the_host():
    message = download_failure(
        {}, url="http://mirror.internal:8080/helm/helm.tgz", mirror_variable="prerequisites_helm_mirror"
    )
    assert "from mirror.internal: unknown error" in message
