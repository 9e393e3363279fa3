"""Settings of enterprise_export, read at call time with their defaults."""

from django.conf import settings

from enterprise_export.settings.common import DEFAULTS


def get_setting(name):
    """Return the host's value of setting ``name``, or this app's default for it."""
    return getattr(settings, name, DEFAULTS[name])
