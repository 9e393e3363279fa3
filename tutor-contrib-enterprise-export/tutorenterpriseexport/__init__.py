"""Tutor plugin of enterprise-export (see README.rst beside this package)."""
