"""Tests of the bkcc Python package (a package, so its conftest never shadows another suite's `conftest`)."""
