"""Loads what the packages in the virtualenv's site-packages.zip keep on disk: native extensions and modules.

Installed by site-packages/sitezip.pth, so it is active in every process of the image before any
dependency is imported. Python's zipimport loads pure-Python modules and their bytecode from the zip,
but never a native extension (a `.so` must be a real file for dlopen), nor a module that reads files
beside it by path (pack_site_packages.KEEP_ON_DISK). Those stay in site-packages at the same relative
path, so RPATHs ($ORIGIN/../<package>.libs) and Path(__file__).parent still resolve; this finder, last on
sys.meta_path, maps a package's path inside the zip to the same directory on disk and loads the
extension or module from there (a module's bytecode is in __pycache__ beside it). Nothing else changes:
every import the zip or the disk can serve is served as usual before this finder is asked.
"""

import importlib.machinery
import importlib.util
import os
import sys

SITE = os.path.dirname(os.path.abspath(__file__))
ZIP = SITE + ".zip"
SUFFIXES = (*importlib.machinery.EXTENSION_SUFFIXES, *importlib.machinery.SOURCE_SUFFIXES)


class OnDiskFinder:
    @staticmethod
    def find_spec(fullname, path=None, target=None):
        if not path:
            return None
        name = fullname.rpartition(".")[2]
        for entry in path:
            if entry != ZIP and not entry.startswith(ZIP + os.sep):
                continue
            directory = SITE + entry[len(ZIP) :]
            for suffix in SUFFIXES:
                candidate = os.path.join(directory, name + suffix)
                if os.path.isfile(candidate):
                    return importlib.util.spec_from_file_location(fullname, candidate)
        return None

    @staticmethod
    def invalidate_caches():
        pass


sys.meta_path.append(OnDiskFinder)
