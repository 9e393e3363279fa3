"""Helpers of the transmission tests: a learner with what the LMS knows of them, one run, its audit rows."""

import datetime

from enterprise_export.channels import get_channel
from test_utils.factories import CornerstoneLearnerIdentityFactory, UserFactory, consenting_enrollment

UTC = datetime.UTC
RUN = 'course-v1:edX+DemoX+Demo_2026'
END = '2026-03-31T17:45:00Z'
END_MS = int(datetime.datetime(2026, 3, 31, 17, 45, tzinfo=UTC).timestamp() * 1000)
# The moment the transmission tests run at (the ``fixed_clock`` fixture of tests/conftest.py).
NOW = datetime.datetime(2026, 6, 1, tzinfo=UTC)


def add_learner(configuration, lms, username, passed=True, **identity):
    """A consenting learner of ``configuration``'s customer in ``RUN``, with a grade in the fake LMS."""
    user = UserFactory(username=username, email=f'{username}@example.com')
    enrollment = consenting_enrollment(configuration.enterprise_customer, RUN, user=user)
    lms.learner(username, RUN, passed=passed, percent=0.9 if passed else 0.2)
    if identity.get('sap'):
        lms.remote_ids[(configuration.idp_id, username)] = identity['sap']
    if identity.get('guid'):
        CornerstoneLearnerIdentityFactory(enterprise_customer_user=enrollment.enterprise_customer_user,
                                          user_guid=identity['guid'], session_token=f'session-{username}')
    return enrollment


def transmit(configuration, **kwargs):
    """Export and send ``configuration``'s learners as its channel does; the summary."""
    channel = get_channel(configuration.channel_code)
    return channel.build_transmitter(configuration).transmit(channel.build_exporter('worker', configuration),
                                                             **kwargs)


def audit_rows(model):
    """``model``'s rows as (enrollment id, course id, status, error message, grade), in order."""
    return list(model.objects.order_by('enterprise_course_enrollment_id', 'id').values_list(
        'enterprise_course_enrollment_id', 'course_id', 'status', 'error_message', 'grade'))
