"""The Cornerstone launch: where a learner arriving from Cornerstone leaves the identity we report with."""

import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.http import require_http_methods

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
CONFIRMATION_TEMPLATE = 'enterprise_export/cornerstone_launch_confirm.html'
NOT_ALLOWED = 'no Cornerstone configuration of your organization accepts launches from this portal.'


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


def _refuse(reason):
    return HttpResponseBadRequest(f'Invalid Cornerstone launch: {reason}', content_type='text/plain')


def allowed_learners(user, subdomain):
    """
    The user's linked learners of the customers whose active Cornerstone configuration allows
    launches from ``subdomain`` (SPEC 20): the only ones a launch may write identities for.
    """
    learners = list(get_customer_user_model()._default_manager.filter(user_id=user.pk, linked=True))
    configurations = CornerstoneEnterpriseCustomerConfiguration.objects.filter(
        active=True, enterprise_customer__in=[learner.enterprise_customer_id for learner in learners],
    )
    allowing = {configuration.enterprise_customer_id for configuration in configurations
                if configuration.allows_subdomain(subdomain)}
    return [learner for learner in learners if learner.enterprise_customer_id in allowing]


def changed_identities(learners, course_id, identity):
    """
    The learners' existing identities for ``course_id`` that the launch would move to another
    Cornerstone user or portal (``user_guid`` or ``subdomain``; a portal's name is compared as a
    host name, ignoring case). A new session token or callback is no such change.
    """
    existing = CornerstoneLearnerIdentity.objects.select_for_update().filter(
        enterprise_customer_user__in=learners, course_id=course_id,
    )
    return [current for current in existing
            if current.user_guid != identity['user_guid']
            or current.subdomain.lower() != identity['subdomain'].lower()]


def _confirmation_page(request, course_id, identity, changed):
    """The page that asks the learner to confirm the change, with a form that POSTs the launch back."""
    context = {
        'course_id': course_id,
        'subdomain': identity['subdomain'],
        'current_subdomains': sorted({current.subdomain for current in changed}),
        'portal_changes': any(current.subdomain.lower() != identity['subdomain'].lower() for current in changed),
        'user_changes': any(current.user_guid != identity['user_guid'] for current in changed),
        'form_action': request.path,
        'launch_values': [(parameter, identity[field]) for parameter, field in LAUNCH_PARAMETERS.items()],
        'dashboard_url': _dashboard_url(),
    }
    return render(request, CONFIRMATION_TEMPLATE, context)


def _dashboard_url():
    return f"{get_setting('LMS_ROOT_URL').rstrip('/')}/dashboard"


@never_cache
@xframe_options_deny
@require_http_methods(['GET', 'POST'])
@login_required
def cornerstone_launch(request, course_key):
    """
    Save (or refresh) the learner's Cornerstone identity for each customer that accepts the
    launch's portal, then go on to the dashboard (SPEC 16, 20).

    A GET that would change an existing identity's Cornerstone user or portal writes nothing and
    shows a page asking the learner to confirm; the confirmation POSTs the same values back (with
    Django's CSRF token) and is checked again exactly as a GET is before anything is written.
    """
    params = request.POST if request.method == 'POST' else request.GET
    try:
        identity = launch_identity(course_key, params)
    except ValidationError as error:
        LOGGER.info('Cornerstone launch refused: invalid values', extra={'fields': sorted(error.message_dict)})
        return _refuse(_describe(error))
    course_id = identity.pop('course_id')
    log_context = {'course_id': course_id, 'subdomain': identity['subdomain']}
    learners = allowed_learners(request.user, identity['subdomain'])
    if not learners:
        LOGGER.warning('Cornerstone launch refused: portal not allowed', extra=log_context)
        return _refuse(f'subdomain: {NOT_ALLOWED}')
    with transaction.atomic():
        changed = changed_identities(learners, course_id, identity)
        if changed and request.method != 'POST':
            LOGGER.info('Cornerstone launch awaits confirmation of a changed identity',
                        extra={**log_context, 'identities': len(changed)})
            return _confirmation_page(request, course_id, identity, changed)
        for learner in learners:
            CornerstoneLearnerIdentity.objects.update_or_create(
                enterprise_customer_user=learner, course_id=course_id, defaults=identity,
            )
    LOGGER.info('Cornerstone launch saved for %s customer(s)', len(learners),
                extra={**log_context, 'confirmed': bool(changed)})
    return HttpResponseRedirect(_dashboard_url())
