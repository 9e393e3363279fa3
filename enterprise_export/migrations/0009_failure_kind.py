"""
A failure is a kind: every audit model gets ``failure_kind``, and the existing failed rows get
theirs from what their status and message said until now.

The message rules below are used here once, to fill rows written before kinds were stored;
from now on whoever knows the kind of a failure stores it, and nothing reads ``error_message``
to find it. A row the rules cannot place is a refusal read by its status, as before.
"""

from django.db import migrations, models
from django.db.models import Q

AUDIT_MODELS = (
    'LearnerDataTransmissionAudit',
    'SapSuccessFactorsLearnerDataTransmissionAudit',
    'DegreedLearnerDataTransmissionAudit',
    'Degreed2LearnerDataTransmissionAudit',
    'CornerstoneLearnerDataTransmissionAudit',
)
CORNERSTONE_AUDIT_MODEL = 'CornerstoneLearnerDataTransmissionAudit'
KINDS = [
    ('no_answer', 'no answer (network error or timeout)'),
    ('refused', 'refused by the channel (its HTTP status says how)'),
    ('unreadable_token', 'unreadable token answer'),
    ('unreadable_answer', 'unreadable answer'),
    ('unexpected', 'unexpected error on our side'),
    ('inactive_account', "learner's account inactive at the channel"),
    ('session_expired', "learner's Cornerstone session expired"),
    ('no_identity', 'no Cornerstone identity for the learner'),
]
NO_STATUS = Q(status__isnull=True)
STATUS_2XX = Q(status__gte=200, status__lt=300)
# In order: the first rule that matches a failed row gives its kind (the rules of audits.failure_reason
# until this migration, plus the Cornerstone identity it read as "no answer").
RULES = (
    ('unreadable_token', Q(error_message__icontains='token answer')),
    ('unexpected', NO_STATUS & Q(error_message__icontains='see the logs')),
    ('no_identity', NO_STATUS & Q(error_message__icontains='no Cornerstone identity')),
    ('no_answer', NO_STATUS),
    ('unreadable_answer', STATUS_2XX),
    ('refused', Q(status__lt=400)),
    ('inactive_account', Q(error_message__icontains='user account is inactive')),
)


def failure_kind_field():
    return models.CharField(
        blank=True, choices=KINDS, default='', max_length=20,
        help_text='What kind of failure the last attempt was; blank when it was sent.',
    )


def fill_failure_kinds(apps, schema_editor):
    for model_name in AUDIT_MODELS:
        rows = apps.get_model('enterprise_export', model_name).objects.using(schema_editor.connection.alias)
        unplaced = rows.filter(failure_kind='').exclude(STATUS_2XX & Q(error_message=''))  # failed rows
        rules = RULES
        if model_name == CORNERSTONE_AUDIT_MODEL:
            rules += (('session_expired', Q(status=401)),)
        for kind, condition in (*rules, ('refused', Q())):
            unplaced.filter(condition).update(failure_kind=kind)


class Migration(migrations.Migration):

    dependencies = [
        ('enterprise_export', '0008_trust_boundaries'),
    ]

    operations = [
        *(migrations.AddField(model_name=model_name.lower(), name='failure_kind', field=failure_kind_field())
          for model_name in AUDIT_MODELS),
        migrations.RunPython(fill_failure_kinds, migrations.RunPython.noop),
    ]
