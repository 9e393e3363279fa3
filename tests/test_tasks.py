"""Celery tasks, and the openedx-events receiver that queues a passing learner's transmission."""

import datetime
from unittest import mock

import pytest
import time_machine
from opaque_keys.edx.keys import CourseKey
from openedx_events.learning.data import CourseData, CoursePassingStatusData, UserData, UserPersonalData
from openedx_events.learning.signals import COURSE_PASSING_STATUS_UPDATED

from enterprise_export import tasks
from enterprise_export.models import DegreedLearnerDataTransmissionAudit, get_customer_user_model
from enterprise_export.signals import connect_openedx_events
from test_utils.factories import (
    DegreedConfigurationFactory,
    EnterpriseCustomerFactory,
    UserFactory,
    consenting_enrollment,
)

RUN = 'course-v1:edX+DemoX+Demo_2026'
pytestmark = pytest.mark.django_db


def test_task_names_are_stable():
    assert tasks.transmit_learner_data.name == 'enterprise_export.tasks.transmit_learner_data'
    assert tasks.transmit_single_learner_data.name == 'enterprise_export.tasks.transmit_single_learner_data'


def passing_status(username, is_passing):
    return CoursePassingStatusData(
        is_passing=is_passing,
        course=CourseData(course_key=CourseKey.from_string(RUN)),
        user=UserData(id=1, is_active=True, pii=UserPersonalData(username=username, email='x@example.com',
                                                                name='X')),
    )


@pytest.mark.parametrize('is_passing, queued', [(True, [('ada', RUN)]), (False, [])])
def test_passing_signal_queues_the_single_learner_task(is_passing, queued):
    with mock.patch('enterprise_export.tasks.transmit_single_learner_data') as task:
        COURSE_PASSING_STATUS_UPDATED.send_event(course_passing_status=passing_status('ada', is_passing))
    assert [call.args for call in task.delay.call_args_list] == queued


def test_without_openedx_events_nothing_is_connected():
    with mock.patch.dict('sys.modules', {'openedx_events.learning.signals': None}):
        assert connect_openedx_events() is False


class TestSingleLearnerTask:

    @pytest.fixture(autouse=True)
    def setup(self, lms, channels, settings):
        settings.ENTERPRISE_EXPORT_CHANNEL_RETRIES = 0
        lms.add_course(RUN, pacing='self', end=None)
        UserFactory(username='enterprise_channel_worker')
        with time_machine.travel(datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC), tick=False):
            yield

    def test_sends_to_every_active_configuration_of_each_active_customer(self, lms, channels):
        ada = UserFactory(username='ada', email='ada@example.com')
        mine, other = DegreedConfigurationFactory(), DegreedConfigurationFactory()
        DegreedConfigurationFactory(enterprise_customer=mine.enterprise_customer, active=False)
        inactive = DegreedConfigurationFactory(enterprise_customer=EnterpriseCustomerFactory(active=False))
        for configuration in (mine, other, inactive):
            consenting_enrollment(configuration.enterprise_customer, RUN, user=ada)
        # edx-enterprise's save() leaves a learner active in one customer only: ada is active in all here.
        get_customer_user_model()._base_manager.filter(user_id=ada.pk).update(active=True)
        lms.learner('ada', RUN, passed=True)
        summaries = tasks.transmit_single_learner_data('ada', RUN)
        assert sorted(summary['configuration_id'] for summary in summaries) == sorted([mine.pk, other.pk])
        assert len(channels.received['DEGREED']) == 2
        assert set(DegreedLearnerDataTransmissionAudit.objects.values_list('plugin_configuration_id', flat=True)) \
            == {mine.pk, other.pk}

    def test_the_lms_decides(self, lms, channels):
        ada = UserFactory(username='ada', email='ada@example.com')
        configuration = DegreedConfigurationFactory()
        consenting_enrollment(configuration.enterprise_customer, RUN, user=ada)
        lms.learner('ada', RUN, passed=False)
        tasks.transmit_single_learner_data('ada', RUN)
        assert channels.received['DEGREED'] == []

    def test_unknown_user_does_nothing(self, channels):
        assert tasks.transmit_single_learner_data('ghost', RUN) == []

    def test_inactive_learner_is_not_sent(self, lms, channels):
        ada = UserFactory(username='ada', email='ada@example.com')
        configuration = DegreedConfigurationFactory()
        enrollment = consenting_enrollment(configuration.enterprise_customer, RUN, user=ada)
        enrollment.enterprise_customer_user.active = False
        enrollment.enterprise_customer_user.save()
        lms.learner('ada', RUN, passed=True)
        assert tasks.transmit_single_learner_data('ada', RUN) == []
