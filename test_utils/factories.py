"""
factory-boy factories of the models, with realistic defaults.

The source-model factories build whichever models are in use (SPEC section 12): the app's own,
or edx-enterprise's in its CI stage.
"""

import factory
from django.contrib.auth import get_user_model

from enterprise_export import models
from enterprise_export.models import (
    get_consent_model,
    get_customer_model,
    get_customer_user_model,
    get_enrollment_model,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ('username',)

    username = factory.Sequence(lambda n: f'learner{n}')
    email = factory.LazyAttribute(lambda user: f'{user.username}@example.com')


class EnterpriseCustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_customer_model()

    name = factory.Sequence(lambda n: f'Customer {n}')
    slug = factory.Sequence(lambda n: f'customer-{n}')


class EnterpriseCustomerUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_customer_user_model()

    enterprise_customer = factory.SubFactory(EnterpriseCustomerFactory)
    user_id = factory.LazyFunction(lambda: UserFactory().pk)


class EnterpriseCourseEnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_enrollment_model()

    enterprise_customer_user = factory.SubFactory(EnterpriseCustomerUserFactory)
    course_id = 'course-v1:edX+DemoX+Demo_2026'


class DataSharingConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_consent_model()

    enterprise_customer = factory.SubFactory(EnterpriseCustomerFactory)
    username = factory.Sequence(lambda n: f'learner{n}')
    course_id = 'course-v1:edX+DemoX+Demo_2026'
    granted = True


class LearnerDataTransmissionAuditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.LearnerDataTransmissionAudit

    enterprise_course_enrollment_id = factory.Sequence(lambda n: n + 1)
    course_id = 'course-v1:edX+DemoX+Demo_2026'
    course_completed = True
    completed_timestamp = 1491331551000
    grade = 'Pass'
    status = 200


def consenting_enrollment(enterprise_customer, course_id='course-v1:edX+DemoX+Demo_2026', user=None, **learner):
    """An enrollment of a (new) learner of ``enterprise_customer`` who granted consent for the run."""
    user = user or UserFactory()
    learner_row, _ = get_customer_user_model().all_objects.get_or_create(
        enterprise_customer=enterprise_customer, user_id=user.pk, defaults=learner,
    )
    enrollment = EnterpriseCourseEnrollmentFactory(enterprise_customer_user=learner_row, course_id=course_id)
    DataSharingConsentFactory(
        enterprise_customer=enterprise_customer, username=user.username, course_id=course_id, granted=True,
    )
    return enrollment


class SAPConfigurationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SAPSuccessFactorsEnterpriseCustomerConfiguration

    enterprise_customer = factory.SubFactory(EnterpriseCustomerFactory)
    sapsf_base_url = 'https://sap.example.com/'
    sapsf_company_id = 'ACME'
    key = 'sap-client-id'
    secret = 'sap-client-secret'
    idp_id = 'saml-acme'


class DegreedConfigurationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.DegreedEnterpriseCustomerConfiguration

    enterprise_customer = factory.SubFactory(EnterpriseCustomerFactory)
    degreed_base_url = 'https://degreed.example.com'
    degreed_company_id = 'ORG-1'
    key = 'degreed-client-id'
    secret = 'degreed-client-secret'


class Degreed2ConfigurationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Degreed2EnterpriseCustomerConfiguration

    enterprise_customer = factory.SubFactory(EnterpriseCustomerFactory)
    degreed_base_url = 'https://degreed2.example.com'
    client_id = 'degreed2-client-id'
    client_secret = 'degreed2-client-secret'


class CornerstoneConfigurationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CornerstoneEnterpriseCustomerConfiguration

    enterprise_customer = factory.SubFactory(EnterpriseCustomerFactory)
    cornerstone_base_url = 'https://{subdomain}.csod.example.com'
    key = 'csod-user'
    secret = 'csod-password'


class CornerstoneLearnerIdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CornerstoneLearnerIdentity

    enterprise_customer_user = factory.SubFactory(EnterpriseCustomerUserFactory)
    course_id = 'edX+DemoX'
    user_guid = factory.Sequence(lambda n: f'guid-{n}')
    session_token = factory.Sequence(lambda n: f'session-{n}')
    callback_url = '/services/x/progress-callback'
    subdomain = 'acme'


def bulk_enrollments(enterprise_customer, count, course_ids, username_prefix='bulk', batch_size=2000):
    """
    ``count`` consenting learners of ``enterprise_customer``, spread over ``course_ids``, made with a
    few ``bulk_create`` statements per ``batch_size`` learners (fast enough for a hundred thousand).
    Returns their usernames with their run, in creation order.
    """
    placed = []
    for start in range(0, count, batch_size):
        usernames = [f'{username_prefix}-{index:06d}' for index in range(start, min(count, start + batch_size))]
        batch = [(name, course_ids[(start + offset) % len(course_ids)]) for offset, name in enumerate(usernames)]
        _bulk_learners(enterprise_customer, batch)
        placed.extend(batch)
    return placed


def _bulk_learners(enterprise_customer, batch):
    user_model = get_user_model()
    usernames = [name for name, _ in batch]
    user_model.objects.bulk_create([user_model(username=name, email=f'{name}@example.com') for name in usernames])
    user_ids = dict(user_model.objects.filter(username__in=usernames).values_list('username', 'pk'))
    learner_model, enrollment_model = get_customer_user_model(), get_enrollment_model()
    consent_model = get_consent_model()
    learner_model.objects.bulk_create(
        [learner_model(enterprise_customer=enterprise_customer, user_id=user_ids[name]) for name in usernames])
    learner_ids = dict(learner_model.objects.filter(
        enterprise_customer=enterprise_customer, user_id__in=user_ids.values()).values_list('user_id', 'pk'))
    enrollment_model.objects.bulk_create(
        [enrollment_model(enterprise_customer_user_id=learner_ids[user_ids[name]], course_id=run)
         for name, run in batch])
    consent_model.objects.bulk_create(
        [consent_model(enterprise_customer=enterprise_customer, username=name, course_id=run, granted=True)
         for name, run in batch])


class SapAuditFactory(LearnerDataTransmissionAuditFactory):
    """A SAP audit row, sent by default; give it ``plugin_configuration_id``."""

    class Meta:
        model = models.SapSuccessFactorsLearnerDataTransmissionAudit

    course_id = 'edX+DemoX'
    sapsf_user_id = factory.Sequence(lambda n: f'SAP-{n}')


class DegreedAuditFactory(LearnerDataTransmissionAuditFactory):
    class Meta:
        model = models.DegreedLearnerDataTransmissionAudit

    course_id = 'edX+DemoX'
    degreed_user_email = factory.Sequence(lambda n: f'learner{n}@example.com')


class CornerstoneAuditFactory(LearnerDataTransmissionAuditFactory):
    class Meta:
        model = models.CornerstoneLearnerDataTransmissionAudit

    user_guid = factory.Sequence(lambda n: f'guid-{n}')


class XAPIConfigurationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.XAPIEnterpriseCustomerConfiguration

    enterprise_customer = factory.SubFactory(EnterpriseCustomerFactory)
    lrs_endpoint = 'https://lrs.example.com/xAPI'
    key = 'lrs-user'
    secret = 'lrs-password'


class WebhookConfigurationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.WebhookEnterpriseCustomerConfiguration

    enterprise_customer = factory.SubFactory(EnterpriseCustomerFactory)
    url = 'https://hooks.example.com/completions'
    signing_secret = 'whsec-0123456789abcdef0123456789abcdef'
