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
# The node's address, on an interface of its own that up creates and down removes (an address of the
# machine's uplink would make the cluster depend on it, and on a default route existing at all). The API
# server, the kubelet, hostPorts, NodePorts and todo.local use it. Set NODE_IP to an address the machine
# already has to use that one instead (then no interface is made).
NODE_IP=${NODE_IP:-10.243.0.1}
NODE_INTERFACE=todo-node0
NODE_NAME=${NODE_NAME:-$CLUSTER_NAME}
# Packets from the pod range are routed by this table, which knows the pod range and nothing else: a pod
# reaches other pods and this machine's own addresses (the local table comes first), never the uplink.
POD_ROUTE_TABLE=2244
POD_ROUTE_RULE_PRIORITY=2244
# Counts (and drops) any packet of the cluster's ranges that would leave by an interface other than
# loopback or the pod bridge; tests/cluster/check-isolation reads it.
EGRESS_GUARD_CHAIN=TODO-TEST-EGRESS
# The local image registry the images role pushes to and containerd pulls from (Debian's docker-registry).
REGISTRY_ADDR=${REGISTRY_ADDR:-127.0.0.1:5000}
# Add-on images are imported into containerd under this prefix, never pulled.
ADDON_IMAGE_PREFIX=todo-test.local

CONTAINERD_SOCK=$CLUSTER_RUN/containerd.sock
# Marks every iptables rule the bring-up adds itself.
IPTABLES_COMMENT=todo-test-cluster
# Every change up makes to the host (routes, rules, interfaces, iptables, sysctls), one line each: the
# command that undoes it. down runs them last to first, so it reverts exactly what up did and nothing else.
UNDO_JOURNAL=$CLUSTER_STATE/undo.journal
# The chains and ipsets with the components' names that were there before up: down leaves them alone.
FOREIGN_NAMES=$CLUSTER_STATE/foreign-names

# component_version COMPONENT MODULE: the version of MODULE that components/COMPONENT/go.mod requires
# (the one place each version is written).
component_version() {
  awk -v m="$2" '$1 == m && $2 ~ /^v/ {print $2; exit} $1 == "require" && $2 == m {print $3; exit}' \
    "$CLUSTER_DIR/components/$1/go.mod"
}

# journal UNDO...: record how to undo a change just made to the host (one command line).
journal() {
  mkdir -p "$(dirname "$UNDO_JOURNAL")"
  printf '%s\n' "$*" >>"$UNDO_JOURNAL"
}

# ip_add OBJECT ARGS...: `ip OBJECT add ARGS` and journal `ip OBJECT del ARGS`. Already there ("File
# exists": made by an earlier up, which journaled it) is no change; any other failure stops the bring-up.
ip_add() {
  local object=$1 error; shift
  if error=$(ip "$object" add "$@" 2>&1); then
    journal ip "$object" del "$@"
  elif [[ $error != *"File exists"* ]]; then
    die "ip $object add $*: $error"
  fi
}

# iptables_rule TABLE CHAIN RULE...: insert RULE at the top of CHAIN unless it is there; journal its removal.
iptables_rule() {
  local table=$1 chain=$2; shift 2
  iptables -t "$table" -C "$chain" "$@" 2>/dev/null && return 0
  iptables -t "$table" -I "$chain" "$@" || die "iptables -t $table -I $chain $*"
  journal iptables -t "$table" -D "$chain" "$(printf '%q ' "$@")"
}

# set_sysctl KEY VALUE: set a sysctl and journal its old value, unless it has VALUE already.
set_sysctl() {
  local old; old=$(sysctl -n "$1") || die "no sysctl $1"
  [ "$old" = "$2" ] && return 0
  sysctl -qw "$1=$2" || die "sysctl $1=$2"
  journal sysctl -qw "$1=$old"
}

# foreign_names: "<iptables> <table> <chain>" and "ipset <name>" lines for every chain and ipset named the
# way the cluster's components name theirs (KUBE-*, CNI-*, kube-router*).
foreign_names() {
  local iptables table
  for iptables in iptables ip6tables; do
    command -v "$iptables" >/dev/null || continue
    for table in nat filter mangle; do
      { "$iptables" -t "$table" -S 2>/dev/null || true; } \
        | awk -v i="$iptables" -v t="$table" '$1 == "-N" && $2 ~ /^(CNI-|KUBE-)/ {print i, t, $2}'
    done
  done
  if command -v ipset >/dev/null; then
    { ipset list -n 2>/dev/null || true; } | awk '/^(KUBE-|kube-router)/ {print "ipset", $0}'
  fi
}

log() { printf '%s cluster: %s\n' "$(date +%T)" "$*"; }
die() { printf '%s cluster: ERROR: %s\n' "$(date +%T)" "$*" >&2; exit 1; }
