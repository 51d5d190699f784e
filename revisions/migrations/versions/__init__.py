"""Alembic migration scripts (a package, so that setuptools installs them as modules)."""
