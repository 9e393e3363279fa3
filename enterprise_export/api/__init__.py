"""The operators' read-only REST API of transmission audits (SPEC 15)."""
