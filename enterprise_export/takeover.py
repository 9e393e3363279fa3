"""
Taking over from edx-enterprise's integrated channels (SPEC section 13).

``import_integrated_channels`` reads edx-enterprise's channel configurations, the learner-data
audit rows it sent successfully and the Cornerstone learner identities on its Cornerstone
audit rows, and writes them as this app's configurations, audit rows and identities, so that
the first ``transmit_learner_data`` sends nothing edx-enterprise already sent with the same
grade. It is idempotent (a configuration remembers the original's id in ``imported_from_id``;
audit rows and identities are matched on their unique keys) and changes nothing in
edx-enterprise's tables. edx-enterprise's models are reached through the app registry, never
imported, so that this module loads where edx-enterprise is not installed.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from enterprise_export.channels import CHANNELS
from enterprise_export.models import CornerstoneLearnerIdentity, get_customer_model, get_enrollment_model
from enterprise_export.utils import batched, get_course_key, normalize_grade, to_epoch_milliseconds
from enterprise_export.validators import clean_values

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class OriginalChannel:
    """One of edx-enterprise's channel apps and what it becomes here."""

    code: str  # this app's channel code
    app_label: str
    configuration_model: str
    audit_model: str
    configuration_values: Callable  # (original configuration, global configuration) -> our field values
    global_model: str = ''


def _sap_values(original, global_configuration):
    return {
        'sapsf_base_url': original.sapsf_base_url,
        'sapsf_company_id': original.sapsf_company_id,
        'key': original.decrypted_key or '',
        'secret': original.decrypted_secret or '',
        'user_type': original.user_type,
        'idp_id': original.idp_id,
        'transmit_total_hours': original.transmit_total_hours,
        'sapsf_user_id': original.sapsf_user_id,
        'prevent_self_submit_grades': original.prevent_self_submit_grades,
        **_global_values(global_configuration, 'provider_id', 'oauth_api_path', 'completion_status_api_path'),
    }


def _degreed_values(original, global_configuration):
    return {
        'degreed_base_url': original.degreed_base_url,
        'degreed_company_id': original.degreed_company_id,
        'key': original.key,
        'secret': original.secret,
        **_global_values(global_configuration, 'oauth_api_path', 'completion_status_api_path'),
    }


def _degreed2_values(original, _global_configuration):
    return {
        'degreed_base_url': original.degreed_base_url,
        'degreed_token_fetch_base_url': original.degreed_token_fetch_base_url,
        'client_id': original.decrypted_client_id or '',
        'client_secret': original.decrypted_client_secret or '',
    }


def _cornerstone_values(original, global_configuration):
    return {
        'cornerstone_base_url': original.cornerstone_base_url,
        **_global_values(global_configuration, 'key', 'secret', 'completion_status_api_path'),
    }


def _global_values(global_configuration, *names):
    """The named fields of edx-enterprise's global configuration that are set (else this app's defaults hold)."""
    return {name: getattr(global_configuration, name) for name in names
            if global_configuration is not None and getattr(global_configuration, name, '')}


ORIGINAL_CHANNELS = (
    OriginalChannel('SAP', 'sap_success_factors', 'SAPSuccessFactorsEnterpriseCustomerConfiguration',
                    'SapSuccessFactorsLearnerDataTransmissionAudit', _sap_values,
                    'SAPSuccessFactorsGlobalConfiguration'),
    OriginalChannel('DEGREED', 'degreed', 'DegreedEnterpriseCustomerConfiguration',
                    'DegreedLearnerDataTransmissionAudit', _degreed_values, 'DegreedGlobalConfiguration'),
    OriginalChannel('DEGREED2', 'degreed2', 'Degreed2EnterpriseCustomerConfiguration',
                    'Degreed2LearnerDataTransmissionAudit', _degreed2_values),
    OriginalChannel('CSOD', 'cornerstone', 'CornerstoneEnterpriseCustomerConfiguration',
                    'CornerstoneLearnerDataTransmissionAudit', _cornerstone_values, 'CornerstoneGlobalConfiguration'),
)


@dataclass
class ConfigurationImport:
    """What the import did (or, in a dry run, would do) with one of edx-enterprise's configurations."""

    channel: str
    original_id: int
    enterprise_customer: str
    action: str = ''  # created, updated, unchanged, skipped
    configuration_id: int | None = None
    audit_rows: int = 0
    identities: int = 0
    reason: str = ''  # why it was skipped
    bad_rows: list = field(default_factory=list)  # one sentence per row reported and skipped

    def line(self):
        """
        One line for the operator, without secrets or personal data, the same in a dry run (our
        configuration's id is left out: a rolled-back id may differ; the admin lists configurations
        with the id they were imported from).
        """
        head = f'{self.channel} configuration {self.original_id} of customer {self.enterprise_customer}'
        if self.action == 'skipped':
            return f'{head}: skipped ({self.reason})'
        return (f'{head}: {self.action}, '
                f'{self.audit_rows} audit rows imported, {self.identities} identities, '
                f'{len(self.bad_rows)} bad rows skipped')


@dataclass
class ImportSummary:
    configurations: list = field(default_factory=list)
    dry_run: bool = False

    def count(self, action):
        return sum(1 for item in self.configurations if item.action == action)

    def total_line(self):
        imported = [item for item in self.configurations if item.action != 'skipped']
        return (f"Total: {len(imported)} configurations ({self.count('created')} created, "
                f"{self.count('updated')} updated, {self.count('unchanged')} unchanged), "
                f"{self.count('skipped')} skipped, {sum(item.audit_rows for item in imported)} audit rows, "
                f"{sum(item.identities for item in imported)} identities, "
                f"{sum(len(item.bad_rows) for item in imported)} bad rows skipped.")


def installed_original_channels(channel_code=None):
    """edx-enterprise's channel apps that are installed (only ``channel_code``'s when given)."""
    return [original for original in ORIGINAL_CHANNELS
            if django_apps.is_installed(f'integrated_channels.{original.app_label}')
            and (channel_code is None or original.code == channel_code.upper())]


def import_integrated_channels(*, enterprise_customer=None, channel_code=None, dry_run=False):
    """
    Import every configuration of edx-enterprise's installed channel apps (of ``enterprise_customer``,
    a customer's primary key, and ``channel_code`` when given), with their sent audit rows and
    Cornerstone identities. A dry run does the same work in a transaction it rolls back.
    """
    summary = ImportSummary(dry_run=dry_run)
    with transaction.atomic():
        for original_channel in installed_original_channels(channel_code):
            for original in _original_configurations(original_channel, enterprise_customer):
                summary.configurations.append(_import_one(original_channel, original))
        if dry_run:
            transaction.set_rollback(True)
    return summary


def _original_configurations(original_channel, enterprise_customer):
    model = django_apps.get_model(original_channel.app_label, original_channel.configuration_model)
    configurations = model._base_manager.order_by('pk')  # soft-deleted ones too: they are listed as skipped
    if enterprise_customer is not None:
        configurations = configurations.filter(enterprise_customer_id=enterprise_customer)
    return configurations


def _import_one(original_channel, original):
    """Import one configuration in a savepoint of its own: a failure leaves the others' work in place."""
    outcome = ConfigurationImport(original_channel.code, original.pk, str(original.enterprise_customer_id))
    skip_reason = _skip_reason(original_channel, original)
    if skip_reason:
        outcome.action, outcome.reason = 'skipped', skip_reason
        return outcome
    try:
        with transaction.atomic():
            channel = CHANNELS[original_channel.code]
            configuration = _import_configuration(original_channel, channel.configuration_model, original, outcome)
            original_audit = django_apps.get_model(original_channel.app_label, original_channel.audit_model)
            audits = _original_audit_rows(original_audit, original)
            known_enrollments = _known_enrollments(audits)
            outcome.audit_rows = import_audit_rows(original_channel.code, audits, known_enrollments,
                                                   channel.audit_model, configuration, outcome.bad_rows)
            if original_channel.code == 'CSOD':
                imported = import_cornerstone_identities(audits, known_enrollments, outcome.bad_rows)
                outcome.identities = len(imported)
                allow_imported_subdomains(configuration, imported, outcome)
    except (ValidationError, DatabaseError) as error:
        LOGGER.error('Could not import %s configuration %s: %s', original_channel.code, original.pk, _reason(error),
                     extra={'channel': original_channel.code, 'configuration_id': original.pk})
        outcome.action, outcome.reason = 'skipped', f'could not be imported: {_reason(error)}'
        outcome.audit_rows = outcome.identities = 0
        outcome.bad_rows = []
    return outcome


def _skip_reason(original_channel, original):
    if original.deleted_at is not None:
        return 'deleted in edx-enterprise'
    if original_channel.code not in CHANNELS:
        return f'this app has no {original_channel.code} channel yet'
    if not get_customer_model()._default_manager.filter(pk=original.enterprise_customer_id).exists():
        return 'its customer is not one of the customers this app reads'
    return ''


def _import_configuration(original_channel, model, original, outcome):
    """
    Create or update our configuration (a ``model``) from ``original``; fills ``outcome.action``
    and ``configuration_id``.
    """
    global_configuration = None
    if original_channel.global_model:
        global_model = django_apps.get_model(original_channel.app_label, original_channel.global_model)
        global_configuration = global_model.current()
    known_fields = {model_field.name for model_field in model._meta.get_fields()}
    values = {
        name: value for name, value in original_channel.configuration_values(original, global_configuration).items()
        if name in known_fields
    }
    # There, transmission_chunk_size is records per request, not enrollments read together: not copied.
    values.update(
        enterprise_customer_id=original.enterprise_customer_id,
        active=bool(original.active) and not original.disable_learner_data_transmissions,
        channel_worker_username=original.channel_worker_username or '',
    )
    configuration = model.objects.filter(imported_from_id=original.pk).first()
    if configuration is None:
        configuration, outcome.action = model(imported_from_id=original.pk), 'created'
    elif any(getattr(configuration, name) != value for name, value in values.items()):
        outcome.action = 'updated'
    else:
        outcome.action = 'unchanged'
    for name, value in values.items():
        setattr(configuration, name, value)
    configuration.full_clean(exclude=['enterprise_customer'])
    if outcome.action != 'unchanged':
        configuration.save()
    outcome.configuration_id = configuration.pk
    return configuration


def _original_audit_rows(original_audit, original):
    """
    The original configuration's audit rows: those naming it, and the older rows that name no
    configuration but belong to an enrollment of its customer.
    """
    customer_enrollments = get_enrollment_model()._base_manager.filter(
        enterprise_customer_user__enterprise_customer_id=original.enterprise_customer_id,
    ).values('id')
    named = original_audit.objects.filter(plugin_configuration_id=original.pk)
    unnamed = original_audit.objects.filter(
        plugin_configuration_id__isnull=True, enterprise_course_enrollment_id__in=customer_enrollments,
    )
    return list((named | unnamed).order_by('modified', 'pk'))


def import_audit_rows(channel_code, audits, known_enrollments, audit_model, configuration, bad_rows):
    """
    Write the newest successfully sent original row of each target (enrollment, course id,
    subsection) that ``configuration`` has no row for yet; returns how many were written.
    Sent rows that cannot be imported are reported in ``bad_rows`` and skipped.
    ``known_enrollments`` is ``_known_enrollments(audits)``.
    """
    newest = {}
    for row in audits:  # oldest first: a later row of the same target replaces an earlier one
        if not _was_sent(row):
            continue
        problem = _row_problem(row, known_enrollments)
        if problem:
            bad_rows.append(f'{channel_code} audit row {row.pk}: {problem}')
            continue
        record = _audit_record(channel_code, row, audit_model, configuration)
        if record is not None:
            newest[(record.enterprise_course_enrollment_id, record.course_id, record.subsection_id)] = record
    existing = set(audit_model.objects.filter(plugin_configuration_id=configuration.pk).values_list(
        'enterprise_course_enrollment_id', 'course_id', 'subsection_id'))
    new_records = [record for target, record in newest.items() if target not in existing]
    audit_model.objects.bulk_create(new_records, batch_size=1000)
    return len(new_records)


def _known_enrollments(audits):
    """Enrollment id -> learner id, for the enrollments the rows name that exist."""
    enrollment_ids = sorted({row.enterprise_course_enrollment_id for row in audits
                             if row.enterprise_course_enrollment_id})
    known = {}
    for batch in batched(enrollment_ids, 1000):  # a bounded IN list on every database
        known.update(get_enrollment_model()._base_manager.filter(id__in=batch).values_list(
            'id', 'enterprise_customer_user_id'))
    return known


def _http_status(text):
    """edx-enterprise keeps the status as text: its integer, or None when it holds none."""
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None


def _was_sent(row):
    """``is_transmitted``, or, on rows from before that field, a 2xx status with no error message."""
    status = _http_status(row.status)
    return bool(row.is_transmitted) or (status is not None and 200 <= status < 300 and not row.error_message)


def _row_problem(row, known_enrollments):
    if not row.enterprise_course_enrollment_id:
        return 'no enrollment id'
    if row.enterprise_course_enrollment_id not in known_enrollments:
        return f'enrollment {row.enterprise_course_enrollment_id} does not exist'
    if not (row.course_id or '').strip():
        return 'blank course id'
    return ''


def _audit_record(channel_code, row, audit_model, configuration):
    """Our unsaved audit row for a sent original row (None: nothing this app would have sent)."""
    status = _http_status(row.status)
    values = {
        'enterprise_course_enrollment_id': row.enterprise_course_enrollment_id,
        'course_id': row.course_id.strip(),
        'subsection_id': row.subsection_id or '',
        'course_completed': bool(row.course_completed),
        'completed_timestamp': to_epoch_milliseconds(row.completed_timestamp),
        'grade': _grade(row.grade),
        'status': status if status is not None and 200 <= status < 300 else 200,  # sent, per is_transmitted
        'error_message': '',
        'plugin_configuration_id': configuration.pk,
    }
    if channel_code == 'SAP':
        values.update(sapsf_user_id=row.sapsf_user_id, total_hours=row.total_hours)
        if row.sap_completed_timestamp is not None:
            values['completed_timestamp'] = row.sap_completed_timestamp
    elif channel_code in ('DEGREED', 'DEGREED2'):
        # Degreed has no pass or fail and this app sends it completions only: a course-level row
        # is a completion, stored with the passing word this app's exporter gives it.
        if not values['subsection_id']:
            if not row.course_completed:
                return None
            values['grade'] = CHANNELS[channel_code].exporter_class.GRADE_PASSING
        values['degreed_user_email'] = row.degreed_user_email
    else:
        values['user_guid'] = row.user_guid
    return audit_model(**values)


def _grade(grade):
    """A grade as this app writes it: numbers as Python writes a float (``0.5``), words as they are."""
    if grade is None or isinstance(grade, (int, float)):
        return normalize_grade(grade)
    try:
        return normalize_grade(float(grade))
    except ValueError:
        return grade


def import_cornerstone_identities(audits, learners, bad_rows):
    """
    The newest identity (``user_guid``, ``session_token``, ``callback_url``, ``subdomain``) on the
    Cornerstone rows of each learner and course key, sent or not, saved unless the learner's own
    identity is newer; values that fail the launch view's checks are reported and skipped.
    ``learners`` is ``_known_enrollments(audits)``. Returns the identities written (created or updated).
    """
    newest = {}
    for row in audits:  # oldest first
        learner_id = learners.get(row.enterprise_course_enrollment_id)
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
            bad_rows.append(f'CSOD audit row {row.pk}: Cornerstone identity refused: {_reason(error)}')
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


def _reason(error):
    if isinstance(error, ValidationError):
        return '; '.join(f'{name}: {" ".join(messages)}' for name, messages in error.message_dict.items()) \
            if hasattr(error, 'error_dict') else ' '.join(error.messages)
    return type(error).__name__
