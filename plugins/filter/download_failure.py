# Copyright: (c) 2026, cloudnative.todo_chatbot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
name: download_failure
short_description: Say why a download failed, which host it was, and which variable fixes it
version_added: 0.2.0
description:
  - Turns the failed result of M(ansible.builtin.get_url) or M(ansible.builtin.uri) into one message a user can act
    on. For a network or HTTP failure it names the URL's host, the mirror variable that replaces it and the docs on
    air-gapped networks. For a checksum mismatch it gives the expected and the actual SHA-256 and the variable that
    pins the digest.
  - Used by the prerequisites role's downloads.
author:
  - cloudnative.todo_chatbot contributors (@cloudnative)
options:
  _input:
    description: The failed task result (C(ansible_failed_result) in a C(rescue)).
    type: dict
    required: true
  url:
    description: The URL that was downloaded.
    type: str
    required: true
  mirror_variable:
    description: The variable holding the download's base URL.
    type: str
    required: true
  checksums_variable:
    description: The variable holding the pinned digests, keyed by platform.
    type: str
    default: ""
  platform:
    description: The platform key of the digest (for example C(linux-amd64)).
    type: str
    default: ""
  digest_source:
    description: Where the expected digest came from (the pinned table, or the URL of the publisher's checksum file).
    type: str
    default: the pinned digest
  docs:
    description: Where the air-gapped and mirror settings are documented.
    type: str
    default: roles/prerequisites/README.md#air-gapped-networks-and-mirrors
"""

EXAMPLES = r"""
- name: Download
  block:
    - name: Download and verify
      ansible.builtin.get_url:
        url: "{{ url }}"
        dest: /tmp/tool
        checksum: "sha256:{{ digest }}"
  rescue:
    - name: Say which host and which variable
      ansible.builtin.fail:
        msg: >-
          {{ ansible_failed_result | cloudnative.todo_chatbot.download_failure(url=url,
             mirror_variable='prerequisites_kubectl_mirror', checksums_variable='prerequisites_kubectl_checksums',
             platform='linux-amd64') }}
"""

RETURN = r"""
_value:
  description: The message.
  type: str
"""

import re
from urllib.parse import urlparse

CHECKSUM_MISMATCH = re.compile(r"did not match (?:sha256:)?(?P<expected>[0-9a-fA-F]+); it was (?P<actual>[0-9a-fA-F]+)")


def download_failure(
    result,
    *,
    url,
    mirror_variable,
    checksums_variable="",
    platform="",
    digest_source="the pinned digest",
    docs="roles/prerequisites/README.md#air-gapped-networks-and-mirrors",
):
    result = result if isinstance(result, dict) else {}
    reason = str(result.get("msg") or result.get("response") or "unknown error").strip()
    host = urlparse(url).hostname or url
    mismatch = CHECKSUM_MISMATCH.search(reason)
    if mismatch:
        pin = "%s['%s']" % (checksums_variable, platform) if checksums_variable and platform else checksums_variable
        return (
            "The SHA-256 of %s is %s, but %s was expected (%s). The file was deleted and nothing was installed. "
            "If %s serves another build of this version, fix or change the mirror (%s); if the expected digest is "
            "wrong, set %s to the digest the publisher lists. See %s."
            % (
                url,
                mismatch.group("actual").lower(),
                mismatch.group("expected").lower(),
                digest_source,
                host,
                mirror_variable,
                pin or "the pinned digest",
                docs,
            )
        )
    status = result.get("status")
    detail = reason if not status or status == -1 else "HTTP %s: %s" % (status, reason)
    return (
        "Could not download %s from %s: %s. Allow HTTPS to %s (or set https_proxy), or set %s to a mirror that "
        "keeps the publisher's layout; see %s. Nothing was installed."
        % (url, host, detail, host, mirror_variable, docs)
    )


class FilterModule(object):
    def filters(self):
        return {"download_failure": download_failure}
