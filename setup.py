"""Build the Cython kernels in ext/ into infored._ext.

All metadata lives in pyproject.toml; this file only declares the extension modules.
Set INFORED_CYTHON_DEBUG=1 to build with bounds and wraparound checks switched back on.
"""

import os
from pathlib import Path

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

debug = os.environ.get("INFORED_CYTHON_DEBUG", "") not in ("", "0")
directives = {"language_level": 3}
if debug:
    directives.update(boundscheck=True, wraparound=True, initializedcheck=True)

extensions = [
    Extension(
        f"infored._ext.{path.stem}",
        [str(path)],
        include_dirs=[np.get_include(), "ext"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=["-O3"] if not debug else ["-O0", "-g"],
    )
    for path in sorted(Path("ext").glob("*.pyx"))
]

setup(ext_modules=cythonize(extensions, compiler_directives=directives, include_path=["ext"]))
