"""The Cornerstone launch: where a learner arriving from Cornerstone leaves the identity we report with."""

import logging
import re

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.views.decorators.http import require_GET

from enterprise_export.conf import get_setting
from enterprise_export.models import (
    CornerstoneEnterpriseCustomerConfiguration,
    CornerstoneLearnerIdentity,
    EnterpriseCustomerUser,
)

LOGGER = logging.getLogger(__name__)

SUBDOMAIN = re.compile(r'^[A-Za-z0-9-]{1,63}$')
REQUIRED = ('userGuid', 'sessionToken', 'callbackUrl', 'subdomain')


def launch_errors(params):
    """
    What is wrong with the launch parameters, as text for a 400 (empty when they are fine).

    They come from the learner's browser and decide where the customer's credentials are sent:
    ``callbackUrl`` must be a relative path and ``subdomain`` a host label.
    """
    missing = [name for name in REQUIRED if not params.get(name)]
    if missing:
        return f"missing: {', '.join(missing)}"
    callback_url = params['callbackUrl']
    if (not callback_url.startswith('/') or callback_url.startswith('//') or '\\' in callback_url
            or '..' in callback_url or ':' in callback_url or '?' in callback_url or '#' in callback_url
            or any(ord(character) < 33 for character in callback_url)):
        return 'callbackUrl must be a relative path starting with / (no scheme, host, .. or query)'
    if not SUBDOMAIN.match(params['subdomain']):
        return 'subdomain may hold only letters, digits and hyphens (at most 63)'
    return ''


@require_GET
@login_required
def cornerstone_launch(request, course_key):
    """Save (or refresh) the learner's Cornerstone identity for each customer using Cornerstone, then go on."""
    errors = launch_errors(request.GET) or ('' if len(course_key) <= 255 else 'course key too long')
    if errors:
        return HttpResponseBadRequest(f'Invalid Cornerstone launch: {errors}.', content_type='text/plain')
    customers_with_cornerstone = CornerstoneEnterpriseCustomerConfiguration.objects.filter(
        active=True).values('enterprise_customer')
    learners = EnterpriseCustomerUser.objects.filter(
        user_id=request.user.pk, enterprise_customer__in=customers_with_cornerstone,
    )
    for learner in learners:
        CornerstoneLearnerIdentity.objects.update_or_create(
            enterprise_customer_user=learner, course_id=course_key,
            defaults={
                'user_guid': request.GET['userGuid'],
                'session_token': request.GET['sessionToken'],
                'callback_url': request.GET['callbackUrl'],
                'subdomain': request.GET['subdomain'],
            },
        )
    LOGGER.info('Cornerstone launch saved for %s customer(s)', len(learners), extra={'course_id': course_key})
    return HttpResponseRedirect(f"{get_setting('LMS_ROOT_URL').rstrip('/')}/dashboard")
