"""Transmitters send an exporter's records to a channel and own the audit writes."""
