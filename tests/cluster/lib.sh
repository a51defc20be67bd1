# shellcheck shell=bash
# Settings shared by tests/cluster/build, up and down. Every path the test cluster writes is below
# CLUSTER_STATE (data, certificates, configs), CLUSTER_RUN (sockets, pid files) or CLUSTER_LOGS, so the
# teardown knows exactly what to remove. Override any of them from the environment.
CLUSTER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLUSTER_ROOT=$(cd "$CLUSTER_DIR/../.." && pwd)

CLUSTER_NAME=${CLUSTER_NAME:-todo-test}
CLUSTER_CACHE=${CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/todo-chatbot/cluster}
CLUSTER_STATE=${CLUSTER_STATE:-/var/lib/todo-test-cluster}
CLUSTER_RUN=${CLUSTER_RUN:-/run/todo-test-cluster}
CLUSTER_LOGS=${CLUSTER_LOGS:-$CLUSTER_ROOT/.build/logs/cluster}
CLUSTER_BIN=$CLUSTER_STATE/bin
CLUSTER_PKI=$CLUSTER_STATE/pki
KUBECONFIG_ADMIN=$CLUSTER_STATE/admin.kubeconfig

# Networks: pods, Services (the API server's Service IP is the first address), cluster DNS.
POD_CIDR=10.244.0.0/16
SERVICE_CIDR=10.96.0.0/16
KUBERNETES_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
CNI_BRIDGE=todo-cni0
# The node's address: the one of the default route's interface (pods reach the API server there).
NODE_IP=${NODE_IP:-$(ip -4 route get 1.1.1.1 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "src") print $(i + 1)}')}
NODE_NAME=${NODE_NAME:-$CLUSTER_NAME}
# The local image registry the images role pushes to and containerd pulls from (Debian's docker-registry).
REGISTRY_ADDR=${REGISTRY_ADDR:-127.0.0.1:5000}
# Add-on images are imported into containerd under this prefix, never pulled.
ADDON_IMAGE_PREFIX=todo-test.local

CONTAINERD_SOCK=$CLUSTER_RUN/containerd.sock
# Marks every iptables rule the bring-up adds itself, so the teardown removes exactly those.
IPTABLES_COMMENT=todo-test-cluster

# component_version COMPONENT MODULE: the version of MODULE that components/COMPONENT/go.mod requires
# (the one place each version is written).
component_version() {
  awk -v m="$2" '$1 == m && $2 ~ /^v/ {print $2; exit} $1 == "require" && $2 == m {print $3; exit}' \
    "$CLUSTER_DIR/components/$1/go.mod"
}

log() { printf '%s cluster: %s\n' "$(date +%T)" "$*"; }
die() { printf '%s cluster: ERROR: %s\n' "$(date +%T)" "$*" >&2; exit 1; }
