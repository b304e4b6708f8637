"""Compiled kernels (built from ext/*.pyx); import them only through infored._kernels."""
