"""Helpers shared by the tests: factories and the fake LMS."""
