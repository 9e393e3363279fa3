"""The Cornerstone launch view: it saves the learner's identity, and refuses what could redirect credentials."""

import pytest
from django.urls import reverse

from enterprise_export.models import CornerstoneLearnerIdentity
from test_utils.factories import (
    CornerstoneConfigurationFactory,
    CornerstoneLearnerIdentityFactory,
    DegreedConfigurationFactory,
    EnterpriseCustomerUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
GOOD = {'userGuid': 'GUID-1', 'sessionToken': 'token-1', 'callbackUrl': '/services/x/progress-callback',
        'subdomain': 'acme-corp'}


@pytest.fixture
def learner(client):
    user = UserFactory()
    client.force_login(user)
    configuration = CornerstoneConfigurationFactory()
    return EnterpriseCustomerUserFactory(enterprise_customer=configuration.enterprise_customer, user_id=user.pk)


def launch(client, course_key='edX+DemoX', **params):
    url = reverse('enterprise_export:cornerstone_launch', kwargs={'course_key': course_key})
    return client.get(url, {**GOOD, **params})


def test_saves_the_identity_and_redirects_to_the_dashboard(client, learner):
    response = launch(client)
    assert response.status_code == 302 and response['Location'] == 'http://lms.example.com/dashboard'
    identity = CornerstoneLearnerIdentity.objects.get()
    assert (identity.enterprise_customer_user, identity.course_id, identity.user_guid, identity.session_token,
            identity.callback_url, identity.subdomain) == (
        learner, 'edX+DemoX', 'GUID-1', 'token-1', '/services/x/progress-callback', 'acme-corp')


def test_a_new_launch_refreshes_the_identity(client, learner):
    CornerstoneLearnerIdentityFactory(enterprise_customer_user=learner, course_id='edX+DemoX', session_token='old')
    launch(client, sessionToken='new')
    assert CornerstoneLearnerIdentity.objects.get().session_token == 'new'


def test_only_customers_with_an_active_cornerstone_configuration(client, learner):
    other = DegreedConfigurationFactory()
    EnterpriseCustomerUserFactory(enterprise_customer=other.enterprise_customer, user_id=learner.user_id)
    launch(client)
    assert list(CornerstoneLearnerIdentity.objects.values_list('enterprise_customer_user', flat=True)) == [learner.pk]


@pytest.mark.parametrize('params', [
    {'callbackUrl': 'https://evil.example.com/steal'},
    {'callbackUrl': '//evil.example.com/steal'},
    {'callbackUrl': 'evil.example.com/steal'},
    {'callbackUrl': '/services/../../admin'},
    {'callbackUrl': '/services/x@evil.example.com:443/'},
    {'callbackUrl': '/a\\b'},
    {'callbackUrl': '@evil.com/x'},
    {'callbackUrl': '/' + 'a' * 255},
    {'subdomain': 'evil.example.com'},
    {'subdomain': 'evil.com#'},
    {'subdomain': '-acme'},
    {'subdomain': 'acme/corp'},
    {'subdomain': 'a' * 64},
    {'subdomain': ''},
    {'userGuid': ''},
    {'userGuid': 'g' * 256},
    {'sessionToken': 't' * 256},
    {'course_key': 'not-a-key'},
    {'course_key': 'course-v1:Bad'},
    {'course_key': 'edX+' + 'D' * 252},
])
def test_refuses_unsafe_parameters(client, learner, params):
    response = launch(client, **params)
    assert response.status_code == 400
    assert CornerstoneLearnerIdentity.objects.count() == 0


def test_anonymous_visitor_saves_nothing(client):
    CornerstoneConfigurationFactory()
    response = launch(client)
    assert response.status_code == 302 and '/accounts/login/' in response['Location']
    assert CornerstoneLearnerIdentity.objects.count() == 0


def test_a_course_run_key_is_saved_as_its_course_key(client, learner):
    response = launch(client, course_key='course-v1:edX+DemoX+Demo_2026')
    assert response.status_code == 302
    assert CornerstoneLearnerIdentity.objects.get().course_id == 'edX+DemoX'


def test_values_as_long_as_their_columns_are_saved(client, learner):
    response = launch(client, userGuid='g' * 255, sessionToken='t' * 255, subdomain='s' * 63,
                      callbackUrl='/' + 'c' * 254)
    assert response.status_code == 302
    identity = CornerstoneLearnerIdentity.objects.get()
    assert (len(identity.user_guid), len(identity.session_token), len(identity.subdomain),
            len(identity.callback_url)) == (255, 255, 63, 255)


def test_the_refusal_names_the_parameter_but_not_its_value(client, learner):
    response = launch(client, subdomain='evil.com#')
    assert response.status_code == 400
    assert 'subdomain' in response.content.decode() and 'evil.com' not in response.content.decode()
