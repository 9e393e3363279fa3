"""Who may read a customer's transmissions: staff, the customer's JWT role, or an EnterpriseCustomerAdmin row."""

from django.http import Http404
from edx_rest_framework_extensions.auth.jwt.authentication import get_decoded_jwt_from_auth

from enterprise_export.models import EnterpriseCustomerAdmin, get_customer_model

ADMIN_ROLE = 'enterprise_admin:{uuid}'


def has_admin_role(request, customer):
    """
    True when the request's JWT ``roles`` claim holds ``enterprise_admin:{uuid}`` of ``customer``;
    never for a restricted application's JWT (which the views refuse before asking).
    """
    decoded = get_decoded_jwt_from_auth(request) or {}
    if decoded.get('is_restricted'):
        return False
    roles = decoded.get('roles') or []
    wanted = ADMIN_ROLE.format(uuid=customer.uuid).lower()
    return any(isinstance(role, str) and role.lower() == wanted for role in roles)


def may_read(request, customer):
    """True when the (authenticated) user of ``request`` may read ``customer``'s transmissions."""
    user = request.user
    return (user.is_staff or has_admin_role(request, customer)
            or EnterpriseCustomerAdmin.objects.filter(enterprise_customer=customer, user_id=user.pk).exists())


def readable_customer(request, customer_uuid):
    """
    The customer of ``customer_uuid`` when the request may read it; ``Http404`` otherwise.

    An unknown customer and one the user may not read answer alike, so that the API does not
    tell which customers exist.
    """
    customer = get_customer_model()._default_manager.filter(uuid=customer_uuid).first()
    if customer is None or not may_read(request, customer):
        raise Http404('No such customer.')
    return customer
