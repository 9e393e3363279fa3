"""
A customer's audit rows across channels, as the listing pages them (SPEC 15).

The channels' rows live in one table each. Django's paginator asks ``TransmissionRows`` for a
count and a slice: the count adds up one ``COUNT`` per channel, and a slice sorts only each
row's channel, id, moment and outcome across the channels (one ``UNION ALL`` query), then
reads that page's rows in full, one query per channel that has rows on it.
"""

from collections import defaultdict

from django.db.models import Case, CharField, IntegerField, Q, Value, When
from django_filters.utils import translate_validation

from enterprise_export.api.filters import TransmissionFilter
from enterprise_export.audits import listed_rows, sent_q
from enterprise_export.channels import CHANNELS
from enterprise_export.models import get_enrollment_model

ROW_FIELDS = (
    'id', 'plugin_configuration_id', 'enterprise_course_enrollment_id', 'course_id', 'subsection_id', 'grade',
    'course_completed', 'completed_timestamp', 'status', 'error_message', 'failure_kind', 'modified',
)
# ``ordering`` → the order of the rows; newest first unless asked otherwise. Rows of the same
# moment are ordered by channel, then id, so that pages are stable.
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
    enrollment_ids = get_enrollment_model()._base_manager.filter(
        enterprise_customer_user__enterprise_customer=customer).values('pk')
    return listed_rows(channel.audit_model).filter(
        Q(plugin_configuration_id__in=configuration_ids)
        | Q(plugin_configuration_id__isnull=True, enterprise_course_enrollment_id__in=enrollment_ids))


class TransmissionRows:
    """
    The customer's rows of every channel, filtered by ``query_params`` and in ``ordering``, as
    dicts of ``ROW_FIELDS`` plus ``channel``. Raises DRF's ``ValidationError`` (a 400) when a
    filter's value is invalid.
    """

    ordered = True  # for Django's paginator

    def __init__(self, customer, query_params, ordering=DEFAULT_ORDERING):
        self.ordering = ORDERINGS.get(ordering, ORDERINGS[DEFAULT_ORDERING])
        self.per_channel = {}
        for code, channel in CHANNELS.items():
            filterset = TransmissionFilter(query_params, queryset=customer_rows(channel, customer), channel_code=code)
            if not filterset.is_valid():
                raise translate_validation(filterset.errors)
            self.per_channel[code] = filterset.qs

    def count(self):
        return sum(rows.count() for rows in self.per_channel.values())

    def __len__(self):
        return self.count()

    def __getitem__(self, page):
        if not isinstance(page, slice):
            raise TypeError('TransmissionRows are read in slices')
        keys = list(self._sort_keys()[page])
        ids = defaultdict(list)
        for key in keys:
            ids[key['channel']].append(key['id'])
        rows = {(code, row['id']): {**row, 'channel': code} for code, channel_ids in ids.items()
                for row in self.per_channel[code].filter(id__in=channel_ids).values(*ROW_FIELDS)}
        return [rows[key['channel'], key['id']] for key in keys if (key['channel'], key['id']) in rows]

    def _sort_keys(self):
        narrow = [rows.annotate(
            channel=Value(code, output_field=CharField()),
            is_sent=Case(When(sent_q(rows.model), then=Value(1)), default=Value(0), output_field=IntegerField()),
        ).values('id', 'channel', 'modified', 'is_sent').order_by() for code, rows in self.per_channel.items()]
        first, *others = narrow
        return first.union(*others, all=True).order_by(*self.ordering)
