#!/bin/sh
# Build time only (the Dockerfile's nginx-files stage): gathers into ROOTFS every file of the frontend's
# runtime image except the built app, from the nginx image it runs in, the way distroless images are made:
# the nginx binary and the entry point, the shared libraries they link (as ldd lists them), nginx's
# mime.types, our configuration, /tmp, and the copyright files of the Debian packages those files come
# from. No shell, package manager or documentation, and no /etc/passwd: nginx looks no account up when it
# starts as non-root without a `user` line, and Debian's C library reads /etc/hosts before DNS without an
# /etc/nsswitch.conf. Then it starts the entry point in ROOTFS (chroot, as UID 10001) with `nginx -t`, so
# an image that could not start is never built.
#
#   collect-runtime.sh ROOTFS ENTRY_POINT CONFIG_DIR
set -eu

rootfs=$1
entry_point=$2
config_dir=$3
nginx=$(command -v nginx || echo /usr/sbin/nginx)

fail() {
    echo "collect-runtime: $*" >&2
    exit 1
}

warn() {
    echo "collect-runtime: warning: $*" >&2
}

# The Debian package that installed a file (nothing, with a warning, if none did). On a merged-/usr system
# dpkg knows a file by the path its package ships (/lib/... on bookworm, /usr/lib/... on trixie): try both.
# Lines such as "diversion by libc6 from: /lib64/..." (trixie) name no owner: a package name has no space.
package_of() {
    for path in "$1" "$(readlink -f "$1")" "${1#/usr}" "/usr$1"; do
        owner=$(dpkg-query -S "$path" 2>/dev/null | sed -n 's/^\([^:, ]\{1,\}\)\(:[^ ]*\)\{0,1\}\(, [^:]*\)\{0,1\}: \/.*$/\1/p' | head -n 1)
        if [ -n "$owner" ]; then
            echo "$owner"
            return 0
        fi
    done
    warn "no Debian package owns $1, so the image carries no copyright file for it"
}

[ -x "$nginx" ] || fail "no nginx in this image"
[ -f /etc/nginx/mime.types ] || fail "no /etc/nginx/mime.types in this image"

install -D -m 0755 "$nginx" "$rootfs/usr/sbin/nginx"
install -D -m 0755 "$entry_point" "$rootfs/usr/local/bin/todo-frontend-start"
install -D -m 0644 /etc/nginx/mime.types "$rootfs/etc/nginx/mime.types"
for conf in "$config_dir"/*.conf; do
    install -D -m 0644 "$conf" "$rootfs/etc/todo-frontend/${conf##*/}"
done

# Each library (and the dynamic loader) at the path ldd names, which is where the loader looks for it;
# symbolic links are followed, so /lib and /lib64 are plain directories in ROOTFS.
linked=$(ldd "$nginx" "$entry_point")
if echo "$linked" | grep -q 'not found'; then
    fail "missing libraries: $(echo "$linked" | grep 'not found' | tr -s '\t\n' '  ')"
fi
libraries=$(echo "$linked" | sed -n 's/^.*[[:space:]]\(\/[^[:space:]]*\) (0x[0-9a-f]*)$/\1/p' | sort -u)
[ -n "$libraries" ] || fail "ldd listed no libraries: $linked"
for library in $libraries; do
    install -D -m 0755 "$(readlink -f "$library")" "$rootfs$library"
done

# Mount point of the writable /tmp (a tmpfs, an emptyDir); world-writable like any /tmp.
install -d -m 1777 "$rootfs/tmp"

# The licences of what the image ships (OpenSSL, glibc, PCRE2, zlib, nginx): each package's copyright file,
# as far as the nginx image has them (a base that dropped one cannot pass it on; the build says so).
packages=$(for file in "$nginx" /etc/nginx/mime.types $libraries; do package_of "$file"; done)
for package in $(echo "$packages" | sort -u); do
    copyright=/usr/share/doc/$package/copyright
    if [ -f "$copyright" ]; then
        install -D -m 0644 "$(readlink -f "$copyright")" "$rootfs$copyright"
    else
        warn "$package has no $copyright in this image"
    fi
done

# Start it as it will run: UID 10001, nothing but ROOTFS, BACKEND_URL set, `nginx -t`. The chroot has no
# /dev, where the configuration sends the access log (/dev/stdout): a scratch directory stands in for it.
install -d -m 1777 "$rootfs/dev"
BACKEND_URL=http://127.0.0.1:8000 chroot --userspec=10001:10001 "$rootfs" /usr/local/bin/todo-frontend-start -t -q ||
    fail "the collected files do not start nginx (see above)"
rm -rf "${rootfs:?}/dev" "${rootfs:?}/tmp/nginx"
