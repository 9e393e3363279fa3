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
from dataclasses import dataclass, field

from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from enterprise_export.audits import normalize_grade
from enterprise_export.channels import CHANNELS
from enterprise_export.models import get_customer_model, get_enrollment_model
from enterprise_export.utils import batched, to_epoch_milliseconds
from enterprise_export.validators import describe

LOGGER = logging.getLogger(__name__)


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
    """
    The channels whose integrated channel (edx-enterprise's app of the same kind) is installed
    (only ``channel_code``'s when given).
    """
    return [channel for channel in CHANNELS.values()
            if channel.integrated_channel is not None
            and django_apps.is_installed(f'integrated_channels.{channel.integrated_channel.app_label}')
            and (channel_code is None or channel.code == channel_code.upper())]


def import_integrated_channels(*, enterprise_customer=None, channel_code=None, dry_run=False):
    """
    Import every configuration of edx-enterprise's installed channel apps (of ``enterprise_customer``,
    a customer's primary key, and ``channel_code`` when given), with their sent audit rows and
    Cornerstone identities. A dry run does the same work in a transaction it rolls back.
    """
    summary = ImportSummary(dry_run=dry_run)
    with transaction.atomic():
        for channel in installed_original_channels(channel_code):
            for original in _original_configurations(channel.integrated_channel, enterprise_customer):
                summary.configurations.append(_import_one(channel, original))
        if dry_run:
            transaction.set_rollback(True)
    return summary


def _original_configurations(integrated, enterprise_customer):
    model = django_apps.get_model(integrated.app_label, integrated.configuration_model)
    configurations = model._base_manager.order_by('pk')  # soft-deleted ones too: they are listed as skipped
    if enterprise_customer is not None:
        configurations = configurations.filter(enterprise_customer_id=enterprise_customer)
    return configurations


def _import_one(channel, original):
    """Import one configuration in a savepoint of its own: a failure leaves the others' work in place."""
    outcome = ConfigurationImport(channel.code, original.pk, str(original.enterprise_customer_id))
    skip_reason = _skip_reason(original)
    if skip_reason:
        outcome.action, outcome.reason = 'skipped', skip_reason
        return outcome
    integrated = channel.integrated_channel
    try:
        with transaction.atomic():
            configuration = _import_configuration(integrated, channel.configuration_model, original, outcome)
            original_audit = django_apps.get_model(integrated.app_label, integrated.audit_model)
            audits = _original_audit_rows(original_audit, original)
            known_enrollments = _known_enrollments(audits)
            outcome.audit_rows = import_audit_rows(channel, audits, known_enrollments, configuration,
                                                   outcome.bad_rows)
            if integrated.import_extras is not None:
                integrated.import_extras(audits, known_enrollments, configuration, outcome)
    except (ValidationError, DatabaseError) as error:
        LOGGER.error('Could not import %s configuration %s: %s', channel.code, original.pk, _reason(error),
                     extra={'channel': channel.code, 'configuration_id': original.pk})
        outcome.action, outcome.reason = 'skipped', f'could not be imported: {_reason(error)}'
        outcome.audit_rows = outcome.identities = 0
        outcome.bad_rows = []
    return outcome


def _skip_reason(original):
    # Some originals (xAPI's) are simpler models: no soft deletion, no switch, no worker user.
    if getattr(original, 'deleted_at', None) is not None:
        return 'deleted in edx-enterprise'
    if not get_customer_model()._default_manager.filter(pk=original.enterprise_customer_id).exists():
        return 'its customer is not one of the customers this app reads'
    return ''


def _import_configuration(integrated, model, original, outcome):
    """
    Create or update our configuration (a ``model``) from ``original``; fills ``outcome.action``
    and ``configuration_id``.
    """
    global_configuration = None
    if integrated.global_model:
        global_model = django_apps.get_model(integrated.app_label, integrated.global_model)
        global_configuration = global_model.current()
    known_fields = {model_field.name for model_field in model._meta.get_fields()}
    values = {
        name: value for name, value in integrated.configuration_values(original, global_configuration).items()
        if name in known_fields
    }
    # There, transmission_chunk_size is records per request, not enrollments read together: not copied.
    values.update(
        enterprise_customer_id=original.enterprise_customer_id,
        active=bool(original.active) and not getattr(original, 'disable_learner_data_transmissions', False),
        channel_worker_username=getattr(original, 'channel_worker_username', '') or '',
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


def import_audit_rows(channel, audits, known_enrollments, configuration, bad_rows):
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
            bad_rows.append(f'{channel.code} audit row {row.pk}: {problem}')
            continue
        record = _audit_record(channel, row, configuration)
        if record is not None:
            newest[(record.enterprise_course_enrollment_id, record.course_id, record.subsection_id)] = record
    existing = set(channel.audit_model.objects.filter(plugin_configuration_id=configuration.pk).values_list(
        'enterprise_course_enrollment_id', 'course_id', 'subsection_id'))
    new_records = [record for target, record in newest.items() if target not in existing]
    channel.audit_model.objects.bulk_create(new_records, batch_size=1000)
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


def _audit_record(channel, row, configuration):
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
    values = channel.integrated_channel.audit_values(row, values)
    return None if values is None else channel.audit_model(**values)


def _grade(grade):
    """A grade as this app writes it: numbers as Python writes a float (``0.5``), words as they are."""
    if grade is None or isinstance(grade, (int, float)):
        return normalize_grade(grade)
    try:
        return normalize_grade(float(grade))
    except ValueError:
        return grade


def _reason(error):
    return describe(error) if isinstance(error, ValidationError) else type(error).__name__
