"""
The API's views (SPEC 15): a customer's transmissions across channels, and a summary per configuration.

Every view answers 401 to anonymous requests and 404 for a customer the user may not read
(``permissions.readable_customer``).
"""

from django.db.models import Case, CharField, IntegerField, Q, Value, When
from django_filters.utils import translate_validation
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from enterprise_export.api import schema  # noqa: F401 - registers the JWT scheme with drf-spectacular
from enterprise_export.api.authentication import JwtAuthentication
from enterprise_export.api.filters import TransmissionFilter
from enterprise_export.api.pagination import TransmissionPagination
from enterprise_export.api.permissions import readable_customer
from enterprise_export.api.serializers import ConfigurationSummarySerializer, TransmissionSerializer
from enterprise_export.audits import FAILED, SENT, configuration_outcomes, listed_rows, sent_q
from enterprise_export.channels import CHANNELS
from enterprise_export.models import EnterpriseCourseEnrollment

ROW_FIELDS = (
    'id', 'channel', 'plugin_configuration_id', 'enterprise_course_enrollment_id', 'course_id', 'subsection_id',
    'grade', 'course_completed', 'completed_timestamp', 'status', 'error_message', 'modified', 'is_sent',
)
# ``ordering`` → the listing's order; newest first unless asked otherwise.
ORDERINGS = {
    '-last_attempt': ('-modified', 'channel', '-id'),
    'last_attempt': ('modified', 'channel', 'id'),
    'status': ('is_sent', '-modified', 'channel', '-id'),
    '-status': ('-is_sent', '-modified', 'channel', '-id'),
}
DEFAULT_ORDERING = '-last_attempt'


def customer_rows(channel, customer):
    """``channel``'s listed audit rows of ``customer``: by its configurations, else by its enrollments."""
    configuration_ids = channel.configuration_model.objects.filter(enterprise_customer=customer).values('pk')
    enrollment_ids = EnterpriseCourseEnrollment.objects.filter(
        enterprise_customer_user__enterprise_customer=customer).values('pk')
    return listed_rows(channel.audit_model).filter(
        Q(plugin_configuration_id__in=configuration_ids)
        | Q(plugin_configuration_id__isnull=True, enterprise_course_enrollment_id__in=enrollment_ids))


def transmission_rows(customer, query_params, ordering=DEFAULT_ORDERING):
    """
    The customer's rows of every channel, filtered by ``query_params``, as one ordered union of dicts.

    Raises DRF's ``ValidationError`` (a 400) when a filter's value is invalid.
    """
    per_channel = []
    for code, channel in CHANNELS.items():
        filterset = TransmissionFilter(query_params, queryset=customer_rows(channel, customer), channel_code=code)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        per_channel.append(filterset.qs.annotate(
            channel=Value(code, output_field=CharField()),
            is_sent=Case(When(sent_q(), then=Value(1)), default=Value(0), output_field=IntegerField()),
        ).values(*ROW_FIELDS).order_by())
    first, *others = per_channel
    return first.union(*others, all=True).order_by(*ORDERINGS.get(ordering, ORDERINGS[DEFAULT_ORDERING]))


class CustomerView(generics.GenericAPIView):
    """What the customer endpoints share: authentication, and the customer the user may read."""

    # JwtAuthentication first: its WWW-Authenticate header makes an anonymous request a 401.
    authentication_classes = (JwtAuthentication, SessionAuthentication)
    permission_classes = (IsAuthenticated,)
    # drf-spectacular's, whatever the host's DEFAULT_SCHEMA_CLASS.
    schema = AutoSchema()

    def get_customer(self):
        return readable_customer(self.request, self.kwargs['customer_uuid'])


FILTER_PARAMETERS = [
    OpenApiParameter('channel', str, enum=list(CHANNELS), description='Only this channel.'),
    OpenApiParameter('configuration_id', int, description='Only this configuration.'),
    OpenApiParameter('course_id', str, description='Only this course key or course run id.'),
    OpenApiParameter('enrollment_id', int, description='Only this enterprise enrollment.'),
    OpenApiParameter('status', str, enum=[SENT, FAILED], description='Only sent, or only failed, rows.'),
    OpenApiParameter('since', str, description='Last attempt at or after this ISO 8601 date or date-time.'),
    OpenApiParameter('until', str, description='Last attempt at or before this ISO 8601 date (the whole day) '
                                               'or date-time.'),
    OpenApiParameter('ordering', str, enum=list(ORDERINGS),
                     description='-last_attempt (default): newest first; status: failures first.'),
]


@extend_schema(parameters=FILTER_PARAMETERS, tags=['enterprise-export'], operation_id='customer_transmissions_list')
class TransmissionListView(CustomerView, generics.ListAPIView):
    """The customer's course-level and subsection transmissions across channels, newest first."""

    serializer_class = TransmissionSerializer
    pagination_class = TransmissionPagination

    def get_queryset(self):
        return transmission_rows(self.get_customer(), self.request.query_params,
                                 self.request.query_params.get('ordering', DEFAULT_ORDERING))


@extend_schema(responses=ConfigurationSummarySerializer(many=True), tags=['enterprise-export'],
               operation_id='customer_transmissions_summary')
class TransmissionSummaryView(CustomerView):
    """One item per configuration of the customer (inactive ones too): sent, failed, latest attempt and failure."""

    serializer_class = ConfigurationSummarySerializer
    pagination_class = None

    def get(self, request, *args, **kwargs):
        customer = self.get_customer()
        items = []
        for code, channel in CHANNELS.items():
            configurations = channel.configuration_model.objects.filter(enterprise_customer=customer).order_by('pk')
            items.extend({'channel': code, **outcome} for outcome in configuration_outcomes(channel, configurations))
        return Response(self.get_serializer(items, many=True).data)
