# shellcheck shell=bash
# Provide what the tests need instead of assuming it: each ensure_* reuses what already answers and
# installs/starts it from Debian's packages otherwise. Sourced by scripts/test.

apt_updated=0
apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "services: $* missing and this is not a Debian-family machine; install it and re-run." >&2
    return 1
  fi
  if [ "$apt_updated" = 0 ]; then apt-get update -qq && apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_docker() {
  if docker info >/dev/null 2>&1; then return 0; fi
  command -v dockerd >/dev/null || apt_install docker.io iptables
  echo "services: starting dockerd (log: .build/dockerd.log)"
  mkdir -p .build
  nohup dockerd >.build/dockerd.log 2>&1 &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && return 0; sleep 1; done
  echo "services: dockerd did not answer within 60 s; see .build/dockerd.log" >&2
  tail -20 .build/dockerd.log >&2
  return 1
}

ensure_postgres() {
  # TEST_DATABASE_URL already set: the caller brings its own server.
  if [ -n "${TEST_DATABASE_URL:-}" ]; then return 0; fi
  if ! command -v pg_ctlcluster >/dev/null; then apt_install postgresql postgresql-client; fi
  local version
  version=$(pg_lsclusters -h | awk 'NR==1 {print $1}')
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -n | tail -1)
    pg_createcluster "$version" main >/dev/null
  fi
  pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster "$version" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='todo'\"" | grep -q 1 \
    || su postgres -c "psql -qc \"CREATE ROLE todo LOGIN SUPERUSER PASSWORD 'todo'\""
  su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='todo_test'\"" | grep -q 1 \
    || su postgres -c "createdb -O todo todo_test"
  export TEST_DATABASE_URL="postgresql+psycopg://todo:todo@127.0.0.1:5432/todo_test"
  export TEST_PG_CLUSTER="$version main"
}

ensure_chromium() {
  if [ -z "${CHROMIUM_PATH:-}" ]; then
    command -v chromium >/dev/null || apt_install chromium
    CHROMIUM_PATH=$(command -v chromium)
  fi
  export CHROMIUM_PATH
}

ensure_registry() {
  # Debian's Docker registry server: the images scenario pushes to it on loopback.
  command -v docker-registry >/dev/null || apt_install docker-registry
}

ensure_node() {
  command -v npm >/dev/null || apt_install nodejs npm
}

ensure_get_pip_cache() {
  # ansible-test downloads pip's bootstrap script from a host that may be unreachable; it uses a cached
  # copy when one exists. This stand-in bootstraps pip from the standard library and installs with the
  # system CA bundle, which a TLS-intercepting proxy needs.
  local pip_version cache
  pip_version=$(.venv/bin/python -c 'from types import SimpleNamespace as N
from ansible_test._internal.python_requirements import get_venv_packages as g
print(g(N(version="3.11"))["pip"])')
  [ -n "$pip_version" ] || return 0
  cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
  mkdir -p "$(dirname "$cache")"
  cat >"$cache" <<'PY'
"""Stand-in for get-pip.py (its download host is unreachable here): bootstrap pip with ensurepip,
then install what ansible-test asked for, trusting the system CA bundle."""
import ensurepip
import os
import subprocess
import sys

ensurepip.bootstrap(upgrade=True)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
cert = os.environ.get("PIP_CERT", "/etc/ssl/certs/ca-certificates.crt")
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--cert", cert, *args])
PY
}

ensure_cluster_host() {
  # What tests/cluster/build and up need from Debian besides Docker: the container runtime, the CNI
  # plugins, iptables and conntrack for kube-proxy, ipset for kube-router, gcc for the pause program,
  # busybox for helper pods.
  local packages=() cmd
  for cmd in containerd:containerd runc:runc iptables:iptables ipset:ipset conntrack:conntrack gcc:gcc openssl:openssl; do
    command -v "${cmd%%:*}" >/dev/null || packages+=("${cmd#*:}")
  done
  [ -x /usr/lib/cni/bridge ] || packages+=(containernetworking-plugins)
  [[ $(ldd /bin/busybox 2>&1) == *'not a dynamic'* ]] || packages+=(busybox-static)
  [ -e /usr/include/stdio.h ] || packages+=(libc6-dev)
  # certutil: the HTTPS browser test puts the local CA into a Chromium profile's own store
  command -v certutil >/dev/null || packages+=(libnss3-tools)
  if [ ${#packages[@]} -gt 0 ]; then apt_install "${packages[@]}" || return 1; fi
  command -v go >/dev/null || { echo "services: Go is missing; the test cluster is built from Go modules (go.dev/dl)" >&2; return 1; }
}

ensure_helm() {
  # The pinned helm (and kubectl) that the roles call, built from tests/cluster/components (cached), first on PATH.
  command -v go >/dev/null || { echo "services: Go is missing; helm is built from its Go module (go.dev/dl)" >&2; return 1; }
  tests/cluster/build helm kubectl || return 1
  export PATH="${CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/todo-chatbot/cluster}/current:$PATH"
}
