"""The data model: customers' audit flags, linked learners, and consent lookup."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from enterprise_export import models
from enterprise_export.models import DataSharingConsent, EnterpriseCustomerUser, get_customer_model
from test_utils.factories import (
    DataSharingConsentFactory,
    EnterpriseCustomerFactory,
    EnterpriseCustomerUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
# The app's own source models, as SPEC section 1 describes them; in the edx-enterprise stage
# they are swapped for edx-enterprise's, whose behaviour is tested in tests/edx_enterprise/.
own_models_only = pytest.mark.skipif(models.source_models_swapped(),
                                     reason="the app's own source models are swapped for edx-enterprise's here")
RUN = 'course-v1:edX+DemoX+Demo_2026'


@pytest.mark.parametrize('enrollment, reporting, expected', [
    (True, True, True), (True, False, False), (False, True, False), (False, False, False),
])
def test_audit_data_reporting_needs_both_flags(enrollment, reporting, expected):
    customer = EnterpriseCustomerFactory(enable_audit_enrollment=enrollment, enable_audit_data_reporting=reporting)
    assert customer.enables_audit_data_reporting is expected


@own_models_only
def test_unlinked_learners_are_hidden_by_default():
    linked = EnterpriseCustomerUserFactory()
    unlinked = EnterpriseCustomerUserFactory(linked=False)
    assert list(EnterpriseCustomerUser.objects.all()) == [linked]
    assert set(EnterpriseCustomerUser.all_objects.all()) == {linked, unlinked}


def test_learner_exposes_its_lms_user():
    user = UserFactory(username='ada', email='ada@example.com')
    learner = EnterpriseCustomerUserFactory(user_id=user.pk)
    assert (learner.user, learner.username, learner.user_email) == (user, 'ada', 'ada@example.com')


def test_learner_whose_user_is_gone_has_no_username():
    learner = EnterpriseCustomerUserFactory(user_id=987654)
    assert learner.user is None and learner.username is None and learner.user_email is None


@own_models_only
def test_proxied_get_prefers_the_run_row():
    customer = EnterpriseCustomerFactory()
    DataSharingConsentFactory(enterprise_customer=customer, username='ada', course_id='edX+DemoX', granted=True)
    DataSharingConsentFactory(enterprise_customer=customer, username='ada', course_id=RUN, granted=False)
    consent = DataSharingConsent.objects.proxied_get(username='ada', course_id=RUN, enterprise_customer=customer)
    assert consent.course_id == RUN and consent.granted is False


@own_models_only
def test_proxied_get_falls_back_to_the_course_key():
    customer = EnterpriseCustomerFactory()
    DataSharingConsentFactory(enterprise_customer=customer, username='ada', course_id='edX+DemoX', granted=True)
    consent = DataSharingConsent.objects.proxied_get(username='ada', course_id=RUN, enterprise_customer=customer)
    assert consent.course_id == 'edX+DemoX' and consent.granted is True


@own_models_only
def test_proxied_get_without_a_row_is_an_unsaved_refusal():
    customer = EnterpriseCustomerFactory()
    other = EnterpriseCustomerFactory()
    DataSharingConsentFactory(enterprise_customer=other, username='ada', course_id=RUN, granted=True)
    consent = DataSharingConsent.objects.proxied_get(username='ada', course_id=RUN, enterprise_customer=customer)
    assert consent.pk is None and consent.granted is False


@own_models_only
def test_the_source_model_accessors_name_the_apps_own_models_here():
    assert models.get_customer_model() is models.EnterpriseCustomer
    assert models.get_customer_user_model() is models.EnterpriseCustomerUser
    assert models.get_enrollment_model() is models.EnterpriseCourseEnrollment
    assert models.get_consent_model() is models.DataSharingConsent
    assert not models.source_models_swapped()


def test_a_source_model_setting_naming_no_installed_model_is_a_clear_error(settings):
    settings.ENTERPRISE_EXPORT_CUSTOMER_MODEL = 'nowhere.EnterpriseCustomer'
    with pytest.raises(ImproperlyConfigured, match='has not been installed'):
        get_customer_model()
    settings.ENTERPRISE_EXPORT_CUSTOMER_MODEL = 'no-dot'
    with pytest.raises(ImproperlyConfigured, match="form 'app_label.model_name'"):
        get_customer_model()
