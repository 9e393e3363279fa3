"""Settings of enterprise_export for the Open edX plugin framework."""
