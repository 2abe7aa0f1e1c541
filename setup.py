# For pre-commit only. The `jobcheck` hook (.pre-commit-hooks.yaml) is
# `language: python`, and pre-commit installs a Python hook by running
# `pip install .` here. This file makes that install the pinned jobcheck
# wheel (built from dist/python/pyproject.toml and published by the release
# workflow) instead of compiling anything: it has no code of its own.
# Keep the two versions equal to the version in Cargo.toml.
from setuptools import setup

setup(
    name="jobcheck-pre-commit",
    version="0.1.0",
    description="pre-commit shim: installs the jobcheck wheel of the same version",
    install_requires=["jobcheck==0.1.0"],
    packages=[],
    py_modules=[],
)
