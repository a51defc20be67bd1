"""Build stage only: move the pure-Python part of the virtualenv into site-packages.zip.

    /opt/venv/bin/python pack_site_packages.py MODULES_JSON

Python's zipimport loads modules and their bytecode from a zip archive on sys.path. Deflated, the
dependencies' source and bytecode take about a third of their size on disk, and the image carries them
once, in the dependency layer (which depends only on requirements.txt). What needs real files stays in
site-packages: the native extensions (`*.so`, loaded from there by sitezip_native.py), the libraries they
link to (`*.libs`), the packages' metadata (`*.dist-info`, for importlib.metadata and entry points) and
the paths in KEEP_ON_DISK (the same finder loads a module kept there from disk).

The zip holds each module's source (tracebacks, inspect.getsource: anyio reads its own source at
import time) and, beside it, its unchecked-hash bytecode (`module.pyc`, the layout zipimport reads), so
nothing is compiled at start-up on a read-only root file system. Data files of the packages go into the
zip too, where importlib.resources reads them.

Then it proves the result: every module of the dependencies that imports from the plain directory
(before) still imports from the zip (after), each side in one fresh interpreter; the build fails
otherwise. That proves imports, not a data file read by path later, at run time: the image's checks
(migrations, start-up and one request per path, molecule/images) cover what the app does.
The names of the modules that import from the zip go to MODULES_JSON: collect_runtime.py imports them
again in the runtime image's files.
"""

import compileall
import importlib.machinery
import json
import os
import py_compile
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

SITE = Path(sysconfig.get_path("purelib"))
ARCHIVE = SITE.with_name(SITE.name + ".zip")
PTH = "sitezip.pth"
HOOK = "sitezip_native.py"
# Paths (relative to site-packages; a directory keeps everything in it) that stay real files, because
# their code reads files by path: certifi's cacert.pem (certifi.where() would extract a temporary copy from
# a zip); openai-agents' sandbox memory module reads its prompts with Path(__file__).parent / "prompts" as
# soon as agents.run is imported, so that module stays on disk beside its prompts and sitezip_native
# loads it from there, while the rest of `agents` is zipped. The check in main() finds any other such
# path: its modules stop importing.
KEEP_ON_DISK = ("certifi", "agents/sandbox/memory/prompts.py", "agents/sandbox/memory/prompts")
NATIVE = (*importlib.machinery.EXTENSION_SUFFIXES, ".so")
# Never imported by the app, its packages' tests and modules that run programs when imported.
SKIP_CHECK = ("tests", "testing", "__main__", "conftest", "_testbase", "benchmarks")


def not_python(entry):
    return entry.name.endswith((".dist-info", ".libs", ".pth")) or entry.name in ("__pycache__", HOOK)


def kept(relative):
    """True for a path (posix, relative to site-packages) that KEEP_ON_DISK keeps out of the zip."""
    return any(relative == path or relative.startswith(path + "/") for path in KEEP_ON_DISK)


def module_names():
    """Every module of the dependencies, by name, minus SKIP_CHECK."""
    names = []
    for entry in sorted(SITE.iterdir()):
        if not_python(entry):
            continue
        files = [entry] if entry.is_file() else sorted(entry.rglob("*"))
        for path in files:
            relative = path.relative_to(SITE)
            if path.suffix == ".py":
                parts = list(relative.with_suffix("").parts)
            elif path.name.endswith(NATIVE) and path.is_file():
                parts = [*relative.parent.parts, path.name.split(".")[0]]
            else:
                continue
            if parts[-1] == "__init__":
                parts.pop()
            if parts and not any(part in SKIP_CHECK or "-" in part for part in parts):
                names.append(".".join(parts))
    return sorted(set(names))


CHECK = """
import importlib, json, sys
ok = {}
for name in json.load(sys.stdin):
    try:
        module = importlib.import_module(name)
    except BaseException:
        continue
    ok[name] = getattr(module, "__file__", None)
json.dump(ok, sys.stdout)
"""


def importable(names, python=(sys.executable,), env=None):
    """{module: __file__} of the names that import, all tried in one fresh interpreter.

    python is the command that starts it (collect_runtime.py gives a chroot into the runtime's files), env its
    environment (default: this one's); either way without an OpenAI key, as the app imports without one.
    """
    result = subprocess.run(
        [*python, "-c", CHECK],
        input=json.dumps(names),
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
        env=dict(os.environ if env is None else env, OPENAI_API_KEY=""),
    )
    # Modules may print while importing: the result is the last line.
    return json.loads(result.stdout.strip().splitlines()[-1])


def native(path):
    return path.name.endswith(NATIVE) or ".so." in path.name


def stays(path):
    """True for a file that stays in site-packages: native code, or kept by KEEP_ON_DISK."""
    return native(path) or kept(path.relative_to(SITE).as_posix())


def on_disk(entry):
    """True for a top-level entry of site-packages that stays as it is (nothing of it is packed)."""
    return not_python(entry) or stays(entry)


def remove_empty_directories():
    for directory in sorted((p for p in SITE.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(directory.iterdir()):
            directory.rmdir()


def pack():
    packed = 0
    # A directory only of type stubs (pydantic_core/_pydantic_core/, beside the extension of that name)
    # must not become a directory entry: zipimport would take it for a namespace package and hide the
    # extension. So the zip gets an entry only for directories with something packed in them.
    remove_empty_directories()
    with zipfile.ZipFile(ARCHIVE, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for entry in sorted(SITE.iterdir()):
            if on_disk(entry):
                continue
            paths = [entry] if entry.is_file() else [entry, *sorted(entry.rglob("*"))]
            for path in paths:
                relative = path.relative_to(SITE).as_posix()
                if path.is_dir():
                    # zipimport finds namespace packages (no __init__) only by their directory entry; a
                    # directory with nothing packed gets none (it would hide a module of its name on disk).
                    if any(f.is_file() and not stays(f) for f in path.rglob("*")):
                        archive.writestr(relative + "/", b"")
                    continue
                if stays(path):
                    continue  # native code and KEEP_ON_DISK stay on disk
                archive.write(path, relative)
                if path.suffix == ".py":
                    with tempfile.NamedTemporaryFile(suffix=".pyc") as bytecode:
                        try:
                            py_compile.compile(
                                str(path),
                                cfile=bytecode.name,
                                dfile=f"{ARCHIVE}/{relative}",
                                doraise=True,
                                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
                            )
                        except py_compile.PyCompileError:
                            print(f"not compiled (kept as source): {relative}")
                        else:
                            archive.write(bytecode.name, relative + "c")
                path.unlink()
                packed += 1
    # Directories left empty go; those with native code or kept files stay, same paths.
    remove_empty_directories()
    return packed


def main():
    record = Path(sys.argv[1])
    for cache in SITE.parent.parent.parent.rglob("__pycache__"):
        shutil.rmtree(cache)
    names = module_names()
    before = importable(names)
    packed = pack()
    shutil.copyfile(Path(__file__).with_name(HOOK), SITE / HOOK)
    # What stays on disk gets its bytecode beside it, unchecked: a read-only root file system never
    # lets Python write it at run time.
    compileall.compile_dir(SITE, quiet=1, workers=0, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    # A path line (appended to sys.path if it exists), then the finder of the zipped packages' extensions.
    (SITE / PTH).write_text(f"../{ARCHIVE.name}\nimport {HOOK[:-3]}\n")
    after = importable(names)
    lost = sorted(set(before) - set(after))
    outside = sorted(n for n, f in after.items() if f and not f.startswith((str(ARCHIVE) + "/", str(SITE) + "/")))
    print(f"{packed} files into {ARCHIVE} ({ARCHIVE.stat().st_size / 1e6:.1f} MB); {len(names)} modules checked,")
    print(f"{len(before)} import from the directory, {len(after)} from the zip")
    if lost or outside:
        packages = sorted({name.split(".")[0] for name in lost})
        sys.exit(f"no longer import from the zip: {lost}\n(packages: {packages}); loaded from elsewhere: {outside}")
    record.write_text(json.dumps(sorted(after)))


if __name__ == "__main__":
    main()
