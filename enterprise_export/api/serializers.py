"""What the API answers: transmissions and per-configuration summaries, never a secret or a payload."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from enterprise_export.audits import FAILED, SENT, failure_reason, outcome
from enterprise_export.channels import get_channel


class TransmissionSerializer(serializers.Serializer):
    """One audit row, as ``api.rows.TransmissionRows`` reads it."""

    channel = serializers.CharField(help_text='The channel code.')
    configuration_id = serializers.IntegerField(source='plugin_configuration_id', allow_null=True)
    enrollment_id = serializers.IntegerField(source='enterprise_course_enrollment_id')
    course_id = serializers.CharField()
    subsection_id = serializers.CharField(allow_blank=True, help_text='Empty for a course-level row.')
    grade = serializers.CharField(allow_null=True)
    course_completed = serializers.BooleanField()
    completed_timestamp = serializers.IntegerField(allow_null=True, help_text='Epoch milliseconds.')
    status = serializers.SerializerMethodField()
    http_status = serializers.IntegerField(source='status', allow_null=True,
                                           help_text="The channel's HTTP status; null when no answer came.")
    reason = serializers.SerializerMethodField()
    last_attempt = serializers.DateTimeField(source='modified')

    @extend_schema_field(serializers.ChoiceField(choices=[SENT, FAILED]))
    def get_status(self, row):
        return outcome(row['status'], row['error_message'], get_channel(row['channel']).audit_model)

    @extend_schema_field(serializers.CharField(help_text='Why it failed, for an operator; empty when sent.'))
    def get_reason(self, row):
        return failure_reason(row['status'], row['error_message'], row['failure_kind'],
                              get_channel(row['channel']).audit_model)


class ConfigurationSummarySerializer(serializers.Serializer):
    """What one configuration of the customer sent and failed, and its latest attempt and failure."""

    channel = serializers.CharField()
    configuration_id = serializers.IntegerField()
    active = serializers.BooleanField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField()
    last_attempt = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_null=True, help_text='The reason of the latest failure, if any.')
