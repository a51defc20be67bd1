"""Loads the native extensions of the packages that live in the virtualenv's site-packages.zip.

Installed by site-packages/sitezip.pth, so it is active in every process of the image before any
dependency is imported. Python's zipimport loads pure-Python modules and their bytecode from the zip,
but never a native extension (a `.so` must be a real file for dlopen). Those stay in site-packages at
the same relative path, so their RPATHs ($ORIGIN/../<package>.libs) still resolve; this finder, last on
sys.meta_path, maps a package's path inside the zip to the same directory on disk and loads the
extension from there. Nothing else changes: every import the zip or the disk can serve is served as
usual before this finder is asked.
"""

import importlib.machinery
import importlib.util
import os
import sys

SITE = os.path.dirname(os.path.abspath(__file__))
ZIP = SITE + ".zip"


class NativeExtensionFinder:
    @staticmethod
    def find_spec(fullname, path=None, target=None):
        if not path:
            return None
        name = fullname.rpartition(".")[2]
        for entry in path:
            if entry != ZIP and not entry.startswith(ZIP + os.sep):
                continue
            directory = SITE + entry[len(ZIP) :]
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                candidate = os.path.join(directory, name + suffix)
                if os.path.isfile(candidate):
                    return importlib.util.spec_from_file_location(fullname, candidate)
        return None

    @staticmethod
    def invalidate_caches():
        pass


sys.meta_path.append(NativeExtensionFinder)
