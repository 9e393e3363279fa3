"""Exporters read the database and the LMS and yield audit records; they never talk to a channel."""
