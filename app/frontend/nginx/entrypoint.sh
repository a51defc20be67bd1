#!/bin/sh
# Entrypoint of the frontend image: writes the nginx configuration for BACKEND_URL, then runs nginx
# in the foreground as PID 1 (exec), so `docker stop` and Kubernetes reach it with their signals.
# Everything it writes goes to /tmp/nginx, so it runs as any non-root UID on a read-only root.
set -eu

template=/etc/todo-frontend/nginx.conf.template
runtime_dir=/tmp/nginx

fail() {
    echo "todo-frontend: $*" >&2
    exit 64
}

backend_url=${BACKEND_URL:-}
[ -n "$backend_url" ] || fail "BACKEND_URL is not set; set it to the backend's address, e.g. http://todo-backend:8000"
# Only scheme, host and port: nginx passes the request path through unchanged.
backend_hostport=$(printf '%s\n' "$backend_url" | sed -n -E 's#^http://([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?)/?$#\1#p')
[ -n "$backend_hostport" ] || fail "BACKEND_URL='$backend_url' is not of the form http://host[:port] (no path)"
case "$backend_hostport" in
    *:*) ;;
    *) backend_hostport="$backend_hostport:80" ;;
esac

for dir in "$runtime_dir" "$runtime_dir/client_body" "$runtime_dir/proxy" "$runtime_dir/fastcgi" "$runtime_dir/uwsgi" "$runtime_dir/scgi"; do
    mkdir -p "$dir"
done
# The value was checked above to hold only host name characters, so it is safe in a sed replacement.
sed "s#@BACKEND_HOSTPORT@#$backend_hostport#g" "$template" > "$runtime_dir/nginx.conf"

echo "todo-frontend: serving on :8080, proxying /api, /mcp, /healthz and /readyz to http://$backend_hostport" >&2
exec nginx -e stderr -c "$runtime_dir/nginx.conf" "$@"
