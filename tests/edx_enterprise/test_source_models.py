"""
The app on edx-enterprise's customers, learners, enrollments and consent (SPEC section 12).

The exporter's decision tables, the channels, the command and a full transmission to the demo
stand-in run on these models too: the edx-enterprise stage runs their test modules (the
Makefile's EDX_ENTERPRISE_TESTS) with the same expected records as on the app's own models.
"""

import pytest
from django.apps import apps
from django.db import connection

from enterprise_export.exporters.learner_data import LearnerExporter
from enterprise_export.models import (
    get_consent_model,
    get_customer_model,
    get_customer_user_model,
    get_enrollment_model,
    source_models_swapped,
)
from test_utils.factories import DataSharingConsentFactory, UserFactory, consenting_enrollment
from tests.edx_enterprise.conftest import needs_edx_enterprise

RUN = 'course-v1:edX+DemoX+Demo_2026'

pytestmark = [needs_edx_enterprise, pytest.mark.django_db]


def test_the_source_models_are_edx_enterprises_and_the_apps_copies_are_not_created():
    assert source_models_swapped()
    assert get_customer_model() is apps.get_model('enterprise', 'EnterpriseCustomer')
    assert get_customer_user_model() is apps.get_model('enterprise', 'EnterpriseCustomerUser')
    assert get_enrollment_model() is apps.get_model('enterprise', 'EnterpriseCourseEnrollment')
    assert get_consent_model() is apps.get_model('consent', 'DataSharingConsent')
    tables = set(connection.introspection.table_names())
    assert 'enterprise_enterprisecustomer' in tables
    assert not {'enterprise_export_enterprisecustomer', 'enterprise_export_enterprisecustomeruser',
                'enterprise_export_enterprisecourseenrollment', 'enterprise_export_datasharingconsent'} & tables


def test_consent_on_the_course_key_is_read_without_the_course_catalog(customer, configuration, lms):
    # `lms` fails any HTTP call it does not serve: edx-enterprise's proxied_get would ask the catalog.
    user = UserFactory()
    enrollment = consenting_enrollment(customer, RUN, user=user)
    get_consent_model()._default_manager.filter(username=user.username).update(course_id='edX+DemoX')
    lms.add_course(RUN, pacing='self', end='2026-03-31T00:00:00Z')
    lms.learner(user.username, RUN, passed=True)
    exporter = LearnerExporter('worker', configuration)
    assert exporter.has_data_sharing_consent(enrollment) is True
    assert [record.enterprise_course_enrollment_id for record in exporter.export()] == [enrollment.id]


def test_an_unenrolled_enrollment_is_still_reported(customer, configuration, lms):
    """edx-enterprise's own exporter ignores ``unenrolled`` too: a completion earned is still one."""
    user = UserFactory()
    enrollment = consenting_enrollment(customer, RUN, user=user)
    get_enrollment_model()._base_manager.filter(pk=enrollment.pk).update(unenrolled=True)
    lms.add_course(RUN, pacing='self', end='2026-03-31T00:00:00Z')
    lms.learner(user.username, RUN, passed=True)
    assert [record.grade for record in LearnerExporter('worker', configuration).export()] == ['Pass']


def test_a_learners_user_is_asked_once_per_chunk(customer, configuration, lms, django_assert_max_num_queries):
    users = [UserFactory() for _ in range(6)]
    for user in users:
        consenting_enrollment(customer, RUN, user=user)
        lms.learner(user.username, RUN, passed=True)
    DataSharingConsentFactory(enterprise_customer=customer, username='nobody', course_id=RUN)
    lms.add_course(RUN, pacing='self', end='2026-03-31T00:00:00Z')
    exporter = LearnerExporter('worker', configuration)
    # enrollments (a page and the end of pages), users, consent: no query per learner.
    with django_assert_max_num_queries(5):
        records = list(exporter.export())
    assert len(records) == 6
