"""
The API's views (SPEC 15): a customer's transmissions across channels, and a summary per configuration.

Every view answers 401 to anonymous requests and to inactive users, 403 to a restricted
application's JWT, and 404 for a customer the user may not read (``permissions.readable_customer``).
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema
from edx_rest_framework_extensions.permissions import NotJwtRestrictedApplication
from rest_framework import generics
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from enterprise_export.api import schema  # noqa: F401 - registers the JWT scheme with drf-spectacular
from enterprise_export.api.authentication import JwtAuthentication
from enterprise_export.api.pagination import TransmissionPagination
from enterprise_export.api.permissions import readable_customer
from enterprise_export.api.rows import DEFAULT_ORDERING, ORDERINGS, TransmissionRows
from enterprise_export.api.serializers import ConfigurationSummarySerializer, TransmissionSerializer
from enterprise_export.audits import FAILED, SENT, configuration_outcomes
from enterprise_export.channels import CHANNELS


class CustomerView(generics.GenericAPIView):
    """What the customer endpoints share: authentication, and the customer the user may read."""

    # JwtAuthentication first: its WWW-Authenticate header makes an anonymous request a 401.
    authentication_classes = (JwtAuthentication, SessionAuthentication)
    # A restricted application's JWT is a 403, whatever its roles (SPEC 20).
    permission_classes = (IsAuthenticated, NotJwtRestrictedApplication)
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
        return TransmissionRows(self.get_customer(), self.request.query_params,
                                self.request.query_params.get('ordering', DEFAULT_ORDERING))


@extend_schema(responses=ConfigurationSummarySerializer(many=True), tags=['enterprise-export'],
               operation_id='customer_transmissions_summary')
class TransmissionSummaryView(CustomerView):
    """One item per configuration of the customer (inactive ones too): sent, failed, latest attempt and failure."""

    serializer_class = ConfigurationSummarySerializer
    pagination_class = None
    filter_backends = ()  # one item per configuration, nothing to filter

    def get_queryset(self):
        """The summary items (a list: the browsable API asks a list view for them too, SPEC 21)."""
        customer = self.get_customer()
        items = []
        for code, channel in CHANNELS.items():
            configurations = channel.configuration_model.objects.filter(enterprise_customer=customer).order_by('pk')
            items.extend({'channel': code, **outcome} for outcome in configuration_outcomes(channel, configurations))
        return items

    def get(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_queryset(), many=True).data)
