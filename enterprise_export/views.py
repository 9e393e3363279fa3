"""The Cornerstone launch: where a learner arriving from Cornerstone leaves the identity we report with."""

import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.views.decorators.http import require_GET

from enterprise_export.conf import get_setting
from enterprise_export.models import (
    CornerstoneEnterpriseCustomerConfiguration,
    CornerstoneLearnerIdentity,
    get_customer_user_model,
)
from enterprise_export.validators import clean_values, course_key_from_launch

LOGGER = logging.getLogger(__name__)

# Launch parameter → identity field.
LAUNCH_PARAMETERS = {
    'userGuid': 'user_guid', 'sessionToken': 'session_token', 'callbackUrl': 'callback_url', 'subdomain': 'subdomain',
}


def launch_identity(course_key, params):
    """
    The identity fields of a launch, checked (SPEC 16); ``ValidationError`` names what is wrong.

    The values come from the learner's browser and decide where the customer's credentials
    are sent: every one is checked against its field's validators and length before any is saved.
    """
    values = {field: params.get(parameter, '') for parameter, field in LAUNCH_PARAMETERS.items()}
    try:
        values['course_id'] = course_key_from_launch(course_key)
    except ValidationError as error:
        raise ValidationError({'course_key': error.messages}) from None
    clean_values(CornerstoneLearnerIdentity, values)
    return values


def _describe(error):
    names = {field: parameter for parameter, field in LAUNCH_PARAMETERS.items()}
    return '; '.join(f'{names.get(field, field)}: {" ".join(messages)}'
                     for field, messages in error.message_dict.items())


@require_GET
@login_required
def cornerstone_launch(request, course_key):
    """Save (or refresh) the learner's Cornerstone identity for each customer using Cornerstone, then go on."""
    try:
        identity = launch_identity(course_key, request.GET)
    except ValidationError as error:
        return HttpResponseBadRequest(f'Invalid Cornerstone launch: {_describe(error)}', content_type='text/plain')
    customers_with_cornerstone = CornerstoneEnterpriseCustomerConfiguration.objects.filter(
        active=True).values('enterprise_customer')
    learners = get_customer_user_model()._default_manager.filter(
        user_id=request.user.pk, linked=True, enterprise_customer__in=customers_with_cornerstone,
    )
    course_id = identity.pop('course_id')
    for learner in learners:
        CornerstoneLearnerIdentity.objects.update_or_create(
            enterprise_customer_user=learner, course_id=course_id, defaults=identity,
        )
    LOGGER.info('Cornerstone launch saved for %s customer(s)', len(learners), extra={'course_id': course_id})
    return HttpResponseRedirect(f"{get_setting('LMS_ROOT_URL').rstrip('/')}/dashboard")
