"""
Filters of the transmissions listing (SPEC 15). One ``TransmissionFilter`` runs on each channel's
audit rows; the listing then joins what they kept.
"""

import datetime
import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError

from enterprise_export.audits import FAILED, SENT, sent_q
from enterprise_export.channels import CHANNELS
from enterprise_export.utils import parse_lms_datetime

# A "+01:00" offset typed into a URL without encoding arrives as " 01:00".
UNENCODED_OFFSET = re.compile(r'(T[0-9:.]+) ([0-9]{2}:?[0-9]{2})$')


class MomentField(forms.CharField):
    """An ISO 8601 date or date-time (UTC when naive), kept as ``(moment, is_date)``."""

    def to_python(self, value):
        value = UNENCODED_OFFSET.sub(r'\1+\2', super().to_python(value))
        if not value:
            return None
        try:
            if len(value) == 10:
                day = datetime.date.fromisoformat(value)
                return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC), True
            return parse_lms_datetime(value), False
        except ValueError:
            raise ValidationError('Enter an ISO 8601 date or date-time.', code='invalid') from None


class MomentFilter(django_filters.Filter):
    """
    A bound on ``last_attempt``, both inclusive; a date as upper bound takes in its whole day.
    """

    field_class = MomentField

    def filter(self, queryset, value):
        if value is None:
            return queryset
        moment, is_date = value
        if self.lookup_expr == 'lte' and is_date:
            return queryset.filter(**{f'{self.field_name}__lt': moment + datetime.timedelta(days=1)})
        return queryset.filter(**{f'{self.field_name}__{self.lookup_expr}': moment})


class ChannelCodeField(forms.ChoiceField):
    """A channel code in any case, as the command takes it."""

    def to_python(self, value):
        return super().to_python(value).upper()


class ChannelFilter(django_filters.ChoiceFilter):
    field_class = ChannelCodeField


class TransmissionFilter(django_filters.FilterSet):
    """Filters of one channel's audit rows; ``channel_code`` says which channel they are."""

    channel = ChannelFilter(
        choices=lambda: [(code, code) for code in CHANNELS], method='filter_channel',
        help_text='A channel code (any case): ' + ', '.join(CHANNELS) + '.',
    )
    configuration_id = django_filters.NumberFilter(field_name='plugin_configuration_id')
    course_id = django_filters.CharFilter(field_name='course_id')
    enrollment_id = django_filters.NumberFilter(field_name='enterprise_course_enrollment_id')
    status = django_filters.ChoiceFilter(choices=[(SENT, SENT), (FAILED, FAILED)], method='filter_status')
    since = MomentFilter(field_name='modified', lookup_expr='gte')
    until = MomentFilter(field_name='modified', lookup_expr='lte')

    def __init__(self, *args, channel_code, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel_code = channel_code

    def filter_channel(self, queryset, name, value):
        return queryset if value == self.channel_code else queryset.none()

    def filter_status(self, queryset, name, value):
        return queryset.filter(sent_q(queryset.model)) if value == SENT else queryset.exclude(sent_q(queryset.model))
