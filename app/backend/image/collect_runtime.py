"""Build stage only: gathers into ROOTFS the backend's runtime, the way distroless images are made.

    /opt/venv/bin/python collect_runtime.py collect ROOTFS MODULES_JSON
    /opt/venv/bin/python collect_runtime.py check-app ROOTFS APP_PACKAGE

`collect` takes, from the Python image it runs in, everything of the runtime image except the virtualenv and
the app: the interpreter the virtualenv runs (with the links that lead to it); its standard library without
what a server never imports (EXCLUDED), recompiled to unchecked-hash bytecode, as the app's is; the shared
libraries the interpreter, the kept extension modules and the virtualenv's native code link (as ldd lists
them) and libgcc_s, which glibc loads when a thread exits; the CA bundle OpenSSL reads by default; the time
zone database (psycopg names the server's time zone with zoneinfo); /etc/mime.types; an /etc/passwd and
/etc/group with the image's user (10001, `app`) and root, and an nsswitch.conf that reads them and /etc/hosts
before DNS; an empty /tmp; an ld.so.cache of those libraries; the copyright files of the Debian packages those
files come from. No shell, package manager, pip, compiler or documentation. It also drops the virtualenv's
activation scripts (shell scripts, with no shell to run them).

Then it proves the result, as the image will run it: in a copy of ROOTFS with the virtualenv, in a chroot as
UID 10001, every dependency module that imported from site-packages.zip (MODULES_JSON, written by
pack_site_packages.py) still imports, and TLS (the CA bundle), SQLite, uuid, decimal, time zones, the account
and the HEALTHCHECK's `python -S` work. The build fails otherwise.

`check-app` fails the build when the app (APP_PACKAGE, read with ast, not imported) imports a module of the
standard library that ROOTFS left out: the app changes in a later layer than the one `collect` checked.
"""

import argparse
import ast
import compileall
import ctypes
import fnmatch
import importlib.machinery
import json
import os
import py_compile
import re
import shutil
import ssl
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from pack_site_packages import importable

VENV = Path(sys.prefix)
STDLIB = Path(sysconfig.get_path("stdlib"))
DYNLOAD = Path(sysconfig.get_config_var("DESTSHARED") or STDLIB / "lib-dynload")
UID = GID = 10001
ACCOUNTS = {
    "etc/passwd": f"root:x:0:0:root:/root:/sbin/nologin\napp:x:{UID}:{GID}:app:/nonexistent:/sbin/nologin\n",
    "etc/group": f"root:x:0:\napp:x:{GID}:\n",
    # glibc's default without this file asks DNS before /etc/hosts.
    "etc/nsswitch.conf": "passwd: files\ngroup: files\nhosts: files dns\n",
}
# The environment the image sets (Dockerfile), for the checks in the chroot.
IMAGE_ENV = {
    "PATH": "/opt/venv/bin:/usr/local/bin:/usr/bin",
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "HOME": "/nonexistent",
}
# Modules (top-level names, in the standard library's directory or lib-dynload) that a server never imports,
# and no dependency does either (the check in the chroot would fail): test suites and test extensions, the
# IDE, Tk, turtle, the installers (ensurepip, venv, distutils), lib2to3, the help texts, unittest and doctest,
# and the extensions whose libraries would come with them: terminals (curses, readline: ncurses), dbm
# (Berkeley DB, gdbm), NIS (libnsl), crypt (libcrypt), audio. Debian's sitecustomize (the apport hook, a
# look-up on all of sys.path in every process) goes too. Directories named test or tests go at every depth.
EXCLUDED = {
    "test", "idlelib", "tkinter", "_tkinter", "turtle", "turtledemo", "ensurepip", "venv", "distutils",
    "lib2to3", "pydoc_data", "unittest", "doctest", "__phello__", "__hello__", "_ctypes_test", "_xxtestfuzz",
    "xxlimited", "xxlimited_35", "curses", "_curses", "_curses_panel", "readline", "dbm", "_dbm", "_gdbm",
    "nis", "crypt", "_crypt", "ossaudiodev", "audioop", "sitecustomize", "usercustomize",
    "site-packages", "dist-packages",
}  # fmt: skip
EXCLUDED_PREFIXES = ("_test", "config-")  # test extensions; the static library and Makefile of python-dev
TEST_DIRECTORIES = {"test", "tests", "idle_test"}
# Loaded with dlopen, so ldd does not list it: glibc's pthread_exit and pthread_cancel need it to unwind (a
# thread Python ends at shutdown would abort the process without it).
DLOPENED = ("libgcc_s.so.1",)
# Where the CA bundle comes from (Debian's ca-certificates; the bundle itself is generated, owned by no package).
CA_SOURCES = "/usr/share/ca-certificates"
# Dependency modules that may stop importing because of EXCLUDED, with the reason: they are only used to
# build extensions (distutils) or to run the package's own test suite (SQLAlchemy's provisioning imports
# sqlalchemy.testing, which imports unittest). Patterns as fnmatch reads them.
NOT_FOR_THE_RUNTIME = ("cffi._shimmed_dist_utils", "sqlalchemy.dialects.*.provision")
# The time zone database without its leap-second variants, which zoneinfo never reads unless asked for "right/...".
TZ_LEFT_OUT = ("right",)


def warn(message):
    print(f"collect_runtime: warning: {message}", file=sys.stderr)


def failure(message):
    """The build's error: `raise failure(...)` ends it with the message."""
    return SystemExit(f"collect_runtime: {message}")


class Rootfs:
    def __init__(self, root):
        self.root = Path(root)
        self.sources = []  # files of the base image copied in (their Debian packages' copyright files come along)

    def path(self, absolute):
        return self.root / Path(absolute).relative_to("/")

    def install(self, source, at=None, mode=None, owned_as=None):
        """Copies the file source (its content, following links) to its own path in ROOTFS, or to `at`.

        owned_as: the path dpkg knows for a file no package owns (one it generated), for the copyright files.
        """
        target = self.path(at or source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        os.chmod(target, mode if mode is not None else os.stat(source).st_mode & 0o777)
        self.sources.append(Path(owned_as or at or source))
        return target

    def install_with_links(self, path, owned_as=None):
        """Copies path to the same place in ROOTFS, and every symbolic link on the way to the file it names."""
        path = Path(path)
        for _ in range(40):
            if not path.is_symlink():
                return self.install(path, owned_as=owned_as)
            target = os.readlink(path)
            link = self.path(path)
            link.parent.mkdir(parents=True, exist_ok=True)
            if not link.is_symlink():
                link.symlink_to(target)
            path = Path(os.path.normpath(path.parent / target))
        raise failure(f"too many symbolic links from {path}")

    def write(self, relative, text, mode=0o644):
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        os.chmod(target, mode)


def excluded(name):
    module = name.split(".")[0]
    return module in EXCLUDED or module.startswith(EXCLUDED_PREFIXES)


def copy_stdlib(rootfs):
    """The standard library minus EXCLUDED, test directories and bytecode (compiled again below)."""
    for directory, subdirectories, files in os.walk(STDLIB):
        here = Path(directory)
        top = here == STDLIB
        subdirectories[:] = [
            name for name in subdirectories
            if name != "__pycache__" and name not in TEST_DIRECTORIES and not (top and excluded(name))
            and (here / name) != DYNLOAD
        ]  # fmt: skip
        for name in files:
            if (top and excluded(name)) or name.endswith((".pyc", ".pyo")):
                continue
            source = here / name
            if source.is_symlink():
                # Links within the library stay links (Debian's _sysconfigdata names); none leads out of it
                # but Debian's sitecustomize, excluded above.
                if os.path.realpath(source).startswith(str(STDLIB) + os.sep):
                    rootfs.path(source).symlink_to(os.readlink(source))
                continue
            rootfs.install(source)
    for source in sorted(DYNLOAD.iterdir()):
        if source.is_file() and not excluded(source.name):
            rootfs.install(source)


def compile_stdlib(rootfs):
    """Unchecked-hash bytecode beside every module, with the paths the image has (not ROOTFS's)."""
    ok = compileall.compile_dir(
        rootfs.path(STDLIB),
        quiet=1,
        workers=0,
        stripdir=str(rootfs.root),
        prependdir="/",
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    if not ok:
        raise failure("the standard library did not compile (see above)")


def linked_libraries(files):
    """The shared libraries (and the dynamic loader) the ELF files link, at the paths ldd names."""
    output = subprocess.run(["ldd", *map(str, files)], capture_output=True, text=True, check=False).stdout
    missing = sorted({line.strip() for line in output.splitlines() if "=> not found" in line})
    if missing:
        raise failure(f"missing libraries: {missing}")
    libraries = set(re.findall(r"=> (/\S+) \(0x[0-9a-f]+\)", output))
    libraries |= set(re.findall(r"^\s+(/\S+) \(0x[0-9a-f]+\)$", output, re.MULTILINE))
    if not libraries:
        raise failure(f"ldd listed no libraries: {output}")
    return libraries


def dlopened_library(soname):
    """Where the dynamic loader finds soname (it is loaded into this process to see)."""
    ctypes.CDLL(soname)
    for line in Path("/proc/self/maps").read_text().splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and os.path.basename(fields[5]) == soname:
            return fields[5]
    raise failure(f"{soname} was loaded but is not in /proc/self/maps")


def copy_libraries(rootfs, interpreter):
    elf = [interpreter, *rootfs.path(DYNLOAD).glob("*.so"), *(p for p in VENV.rglob("*.so*") if p.is_file())]
    libraries = {path for path in linked_libraries(elf) if not path.startswith(str(VENV) + os.sep)}
    copied = {os.path.realpath(path) for path in libraries}
    for soname in DLOPENED:
        path = dlopened_library(soname)
        if os.path.realpath(path) not in copied:
            libraries.add(path)
    for library in sorted(libraries):
        rootfs.install(os.path.realpath(library), at=library, mode=0o755)
    # A cache of exactly these libraries, so the loader also finds those outside its default directories (the
    # upstream python images keep libpython in /usr/local/lib). ldconfig reads ROOTFS/etc/ld.so.conf.
    conf = rootfs.root / "etc/ld.so.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text("".join(sorted({f"{Path(library).parent}\n" for library in libraries})))
    subprocess.run(["ldconfig", "-X", "-r", str(rootfs.root)], check=True)
    conf.unlink()
    shutil.rmtree(rootfs.root / "var", ignore_errors=True)  # ldconfig's aux-cache
    return libraries


def copy_data(rootfs):
    """The CA bundle, the time zone database and mime.types; the accounts; /tmp. What it took, by name."""
    found = {}
    cafile = ssl.get_default_verify_paths().openssl_cafile
    if os.path.isfile(cafile):
        # update-ca-certificates writes the bundle from the certificates the ca-certificates package installs.
        rootfs.install_with_links(cafile, owned_as=CA_SOURCES if os.path.isdir(CA_SOURCES) else None)
        found["ca"] = cafile
    else:
        warn(f"no CA bundle at {cafile} in this image: TLS clients without their own (certifi) trust nothing")
    zoneinfo = next((Path(p) for p in sysconfig.get_config_var("TZPATH").split(os.pathsep) if os.path.isdir(p)), None)
    if zoneinfo:
        shutil.copytree(
            zoneinfo,
            rootfs.path(zoneinfo),
            symlinks=True,
            ignore=lambda d, n: TZ_LEFT_OUT if Path(d) == zoneinfo else (),
        )
        rootfs.sources.append(zoneinfo / "UTC")
        found["tz"] = str(zoneinfo)
    else:
        warn("no time zone database in this image: zoneinfo knows only UTC")
    if os.path.isfile("/etc/mime.types"):
        rootfs.install("/etc/mime.types")
    for relative, text in ACCOUNTS.items():
        rootfs.write(relative, text)
    tmp = rootfs.root / "tmp"
    tmp.mkdir(exist_ok=True)
    os.chmod(tmp, 0o1777)  # noqa: S103  (a /tmp: world-writable and sticky)
    return found


def debian_packages(paths):
    """The Debian packages that own paths (as installed, or under their /usr-merged or unmerged name)."""
    variants = set()
    for path in map(str, paths):
        variants |= {path, os.path.realpath(path), path.removeprefix("/usr"), "/usr" + path}
    try:
        result = subprocess.run(["dpkg-query", "-S", *sorted(variants)], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        warn("no dpkg-query in this image: the runtime carries no copyright files")
        return set(), set(paths)
    packages, owned = set(), set()
    for line in result.stdout.splitlines():
        owners, sep, path = line.partition(": /")
        if not sep or " " in owners.replace(", ", ","):
            continue  # "diversion by ... from: /path"
        packages |= {owner.split(":")[0] for owner in owners.split(", ")}
        owned.add("/" + path)
    unowned = {
        p for p in map(str, paths)
        if not {p, os.path.realpath(p), p.removeprefix("/usr"), "/usr" + p} & owned
    }  # fmt: skip
    return packages, unowned


def copy_copyrights(rootfs):
    packages, unowned = debian_packages(rootfs.sources)
    if unowned:
        sample = ", ".join(sorted(unowned)[:3])
        warn(f"no Debian package owns {len(unowned)} of the files (e.g. {sample}): no copyright file for them")
    for package in sorted(packages):
        copyright_file = Path("/usr/share/doc") / package / "copyright"
        if copyright_file.is_file():
            rootfs.install(copyright_file.resolve(), at=copyright_file, mode=0o644)
        else:
            warn(f"{package} has no {copyright_file} in this image")


def trim_venv():
    for script in VENV.glob("bin/[Aa]ctivate*"):
        script.unlink()


RUNTIME_CHECK = """
import ctypes, decimal, hashlib, os, pwd, sqlite3, ssl, sys, uuid, zoneinfo
found = set(sys.argv[1:])
if "ca" in found:
    assert ssl.create_default_context().cert_store_stats()["x509_ca"] > 0, "the default TLS context has no CA"
sqlite3.connect(":memory:").execute("select 1")
uuid.uuid4(), hashlib.sha256(b""), decimal.Decimal("1.1") + 1
ctypes.CDLL("libgcc_s.so.1")
assert pwd.getpwuid(os.getuid()).pw_name == "app", "UID 10001 is not app"
zoneinfo.ZoneInfo("Europe/Berlin" if "tz" in found else "UTC")
print("runtime ok")
"""
# The Dockerfile's HEALTHCHECK, without its request: `python -S` and urllib.
HEALTHCHECK_IMPORTS = "import urllib.request"


def check(rootfs, modules, found):
    """The runtime (ROOTFS and the virtualenv) in a chroot as UID 10001: the modules import, the rest works."""
    names = json.loads(Path(modules).read_text())
    with tempfile.TemporaryDirectory(prefix="runtime-check-") as work:
        root = Path(work) / "root"
        shutil.copytree(rootfs.root, root, symlinks=True)
        shutil.copytree(VENV, root / VENV.relative_to("/"), symlinks=True)
        python = (
            shutil.which("chroot") or "/usr/sbin/chroot",
            f"--userspec={UID}:{GID}",
            str(root),
            str(VENV / "bin/python"),
        )
        try:
            for arguments in (("-c", RUNTIME_CHECK, *sorted(found)), ("-S", "-c", HEALTHCHECK_IMPORTS)):
                subprocess.run([*python, *arguments], env=IMAGE_ENV, check=True)
            imported = importable(names, python=python, env=IMAGE_ENV)
        except subprocess.CalledProcessError as error:
            raise failure(f"the runtime does not work in a chroot: {error} {error.stderr or ''}") from None
    lost = sorted(set(names) - set(imported))
    print(f"collect_runtime: {len(imported)} of {len(names)} dependency modules import in the runtime")
    lost = [name for name in lost if not any(fnmatch.fnmatchcase(name, pattern) for pattern in NOT_FOR_THE_RUNTIME)]
    if lost:
        raise failure(f"these dependency modules import in the build stage but not in the runtime: {lost}")


def collect(rootfs_dir, modules):
    rootfs = Rootfs(rootfs_dir)
    if rootfs.root.exists():
        shutil.rmtree(rootfs.root)
    # The virtualenv's python3 is a link to the interpreter that made it (pyvenv.cfg's home); the venv comes
    # with its own links, ROOTFS gets those from there on.
    interpreter = rootfs.install_with_links(Path(os.path.normpath(VENV / "bin" / os.readlink(VENV / "bin/python3"))))
    copy_stdlib(rootfs)
    compile_stdlib(rootfs)
    libraries = copy_libraries(rootfs, interpreter)
    found = copy_data(rootfs)
    copy_copyrights(rootfs)
    trim_venv()
    print(f"collect_runtime: {interpreter.relative_to(rootfs.root)}, {len(libraries)} libraries, {sorted(found)}")
    check(rootfs, modules, found)


def imported_modules(package):
    """Top-level names of the absolute imports in the package's modules."""
    names = set()
    for source in Path(package).rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_bytes(), str(source))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def check_app(rootfs_dir, package):
    rootfs = Rootfs(rootfs_dir)
    search = [str(rootfs.path(STDLIB)), str(rootfs.path(DYNLOAD))]
    stdlib = imported_modules(package) & sys.stdlib_module_names
    left_out = sorted(
        name for name in stdlib
        if name not in sys.builtin_module_names and importlib.machinery.PathFinder.find_spec(name, search) is None
    )  # fmt: skip
    if left_out:
        raise failure(
            f"{package} imports {left_out}, which the runtime leaves out (EXCLUDED in image/collect_runtime.py)"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    collect_parser = commands.add_parser("collect")
    collect_parser.add_argument("rootfs")
    collect_parser.add_argument("modules", help="JSON list of module names, from pack_site_packages.py")
    check_parser = commands.add_parser("check-app")
    check_parser.add_argument("rootfs")
    check_parser.add_argument("package")
    options = parser.parse_args()
    if options.command == "collect":
        collect(options.rootfs, options.modules)
    else:
        check_app(options.rootfs, options.package)


if __name__ == "__main__":
    main()
