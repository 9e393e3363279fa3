"""
Cornerstone learner identities: where Cornerstone wants each learner's progress sent.

A learner arriving from Cornerstone leaves their identity through the launch view (SPEC 16,
20); ``import_integrated_channels`` brings those edx-enterprise kept (SPEC 13) through
``import_identities``, which the channel registry names for Cornerstone.
"""

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
from enterprise_export.utils import batched, get_course_key
from enterprise_export.validators import clean_values, course_key_from_launch, describe

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
    """What is wrong with a launch, in the launch's own parameter names."""
    return describe(error, names={field: parameter for parameter, field in LAUNCH_PARAMETERS.items()})


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


# Taking over from edx-enterprise (SPEC 13).

def import_identities(audits, known_enrollments, configuration, outcome):
    """
    Import the identities on edx-enterprise's Cornerstone audit rows (``import_identity_rows``)
    and allow their portals on ``configuration`` (``allow_imported_subdomains``); fills
    ``outcome.identities`` and reports refused rows in ``outcome.bad_rows``.
    """
    learners = {**_launch_learners(audits, configuration), **known_enrollments}
    imported = import_identity_rows(audits, learners, outcome.bad_rows)
    outcome.identities = len(imported)
    allow_imported_subdomains(configuration, imported, outcome)


def _launch_learners(audits, configuration):
    """
    The learner of each row written by a launch that was never sent (no enrollment id: edx-enterprise
    records the launch by user), keyed as ``import_identity_rows`` reads it: ``('user', user id)`` ->
    the learner id of that user at the configuration's customer.
    """
    user_ids = {row.user_id for row in audits if not row.enterprise_course_enrollment_id and row.user_id}
    if not user_ids:
        return {}
    return {('user', user_id): learner_id for user_id, learner_id in get_customer_user_model()._base_manager.filter(
        enterprise_customer_id=configuration.enterprise_customer_id, user_id__in=user_ids,
    ).values_list('user_id', 'pk')}


def import_identity_rows(audits, learners, bad_rows):
    """
    The newest identity (``user_guid``, ``session_token``, ``callback_url``, ``subdomain``) on the
    Cornerstone rows of each learner and course key, sent or not, saved unless the learner's own
    identity is newer; values that fail the launch view's checks are reported and skipped.
    ``learners`` maps the rows' enrollment ids (and, for a launch never sent, ``('user', user
    id)``) to learner ids. Returns the identities written (created or updated).
    """
    newest = {}
    for row in audits:  # oldest first
        learner_id = learners.get(row.enterprise_course_enrollment_id) or learners.get(('user', row.user_id))
        if learner_id is not None and row.course_id:
            newest[(learner_id, get_course_key(row.course_id) or row.course_id)] = row
    existing = _existing_identities({learner_id for learner_id, _ in newest})
    new_identities, updated_identities = [], []
    for target, row in newest.items():
        values = {'user_guid': row.user_guid, 'session_token': row.session_token,
                  'callback_url': row.callback_url, 'subdomain': row.subdomain}
        try:
            clean_values(CornerstoneLearnerIdentity, values)  # the launch view's checks (SPEC 16)
        except ValidationError as error:
            bad_rows.append(f'CSOD audit row {row.pk}: Cornerstone identity refused: {describe(error)}')
            continue
        identity = existing.get(target)
        if identity is None:
            new_identities.append(CornerstoneLearnerIdentity(
                enterprise_customer_user_id=target[0], course_id=target[1], **values))
        elif identity.modified < row.modified and any(getattr(identity, name) != value
                                                      for name, value in values.items()):
            for name, value in values.items():
                setattr(identity, name, value)
            identity.save()
            updated_identities.append(identity)
        # else: the learner launched from Cornerstone since, or it was imported already
    CornerstoneLearnerIdentity.objects.bulk_create(new_identities, batch_size=1000)
    return new_identities + updated_identities


def allow_imported_subdomains(configuration, identities, outcome):
    """
    Add the portals (subdomains) of the identities just imported (created or updated) to
    ``configuration``'s ``allowed_subdomains`` (SPEC 20): the customer's learners launch from
    them today. Those added are lower-cased and added once; those there stay as they are (the
    comparison ignores case); the list is kept sorted. A configuration that was otherwise
    unchanged is reported ``updated`` when one is added; one the operator trimmed is not widened
    again by identities imported before.
    """
    allowed = {subdomain.lower() for subdomain in configuration.allowed_subdomains or ()}
    added = {identity.subdomain.lower() for identity in identities} - allowed
    if not added:
        return
    configuration.allowed_subdomains = sorted([*(configuration.allowed_subdomains or ()), *added])
    configuration.save(update_fields=['allowed_subdomains'])
    if outcome.action == 'unchanged':
        outcome.action = 'updated'


def _existing_identities(learner_ids):
    """This app's Cornerstone identities of these learners, by (learner id, course key)."""
    existing = {}
    for batch in batched(sorted(learner_ids), 1000):
        for identity in CornerstoneLearnerIdentity.objects.filter(enterprise_customer_user_id__in=batch):
            existing[(identity.enterprise_customer_user_id, identity.course_id)] = identity
    return existing
