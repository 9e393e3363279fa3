"""What the app's management commands share: reading their options."""

import uuid

from django.core.management.base import CommandError


def customer_uuid(value):
    """The UUID an ``--enterprise_customer`` option names (None when it is not given)."""
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise CommandError(f'{value!r} is not a customer UUID.') from None
