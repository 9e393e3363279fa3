"""The Cornerstone launch view: it saves the learner's identity, and refuses what could redirect credentials."""

import logging
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from enterprise_export.models import CornerstoneEnterpriseCustomerConfiguration, CornerstoneLearnerIdentity
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


DASHBOARD = 'http://lms.example.com/dashboard'


@pytest.fixture
def learner(client):
    user = UserFactory()
    client.force_login(user)
    configuration = CornerstoneConfigurationFactory(allowed_subdomains=['acme-corp'])
    return EnterpriseCustomerUserFactory(enterprise_customer=configuration.enterprise_customer, user_id=user.pk)


def launch_url(course_key='edX+DemoX'):
    return reverse('enterprise_export:cornerstone_launch', kwargs={'course_key': course_key})


def launch(client, course_key='edX+DemoX', **params):
    return client.get(launch_url(course_key), {**GOOD, **params})


def confirm(client, course_key='edX+DemoX', **params):
    return client.post(launch_url(course_key), {**GOOD, **params})


def another_customer_of(learner, allowed_subdomains=('acme-corp',), **configuration):
    """The same user as a learner of a second customer with a Cornerstone configuration."""
    other = CornerstoneConfigurationFactory(allowed_subdomains=list(allowed_subdomains), **configuration)
    return EnterpriseCustomerUserFactory(enterprise_customer=other.enterprise_customer, user_id=learner.user_id)


def identities():
    return {(identity.enterprise_customer_user_id, identity.course_id): (
        identity.user_guid, identity.session_token, identity.callback_url, identity.subdomain)
        for identity in CornerstoneLearnerIdentity.objects.all()}


class FormReader(HTMLParser):
    """The action and the named inputs of the page's form, as a browser would submit them."""

    def __init__(self, page):
        super().__init__()
        self.action, self.inputs = None, {}
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'form' and attrs.get('method', '').lower() == 'post':
            self.action = attrs.get('action')
        elif tag == 'input' and attrs.get('name'):
            self.inputs[attrs['name']] = attrs.get('value', '')


def test_saves_the_identity_and_redirects_to_the_dashboard(client, learner):
    response = launch(client)
    assert response.status_code == 302 and response['Location'] == DASHBOARD
    identity = CornerstoneLearnerIdentity.objects.get()
    assert (identity.enterprise_customer_user, identity.course_id, identity.user_guid, identity.session_token,
            identity.callback_url, identity.subdomain) == (
        learner, 'edX+DemoX', 'GUID-1', 'token-1', '/services/x/progress-callback', 'acme-corp')


def test_a_new_launch_of_the_same_cornerstone_user_and_portal_refreshes_the_identity_at_once(client, learner):
    CornerstoneLearnerIdentityFactory(enterprise_customer_user=learner, course_id='edX+DemoX', user_guid='GUID-1',
                                      subdomain='acme-corp', session_token='old', callback_url='/old')
    response = launch(client, sessionToken='new')
    assert response.status_code == 302 and response['Location'] == DASHBOARD
    assert identities() == {(learner.pk, 'edX+DemoX'): ('GUID-1', 'new', '/services/x/progress-callback', 'acme-corp')}


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
    {'callbackUrl': '/services/x/progress-callback\n'},
    {'callbackUrl': '/%2e%2e/x'},
    {'callbackUrl': '/a/../b'},
    {'callbackUrl': '/./a'},
    {'callbackUrl': '/a/.'},
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
    CornerstoneEnterpriseCustomerConfiguration.objects.update(allowed_subdomains=['s' * 63])
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


class TestAllowedSubdomains:
    """SPEC 20: only the customers whose active configuration allows the launch's portal get an identity."""

    @pytest.mark.parametrize('allowed_subdomains', [[], ['acme'], ['acme-corp-eu', 'initech']])
    def test_a_portal_no_configuration_allows_is_refused_and_nothing_is_written(
            self, client, learner, allowed_subdomains):
        CornerstoneEnterpriseCustomerConfiguration.objects.update(allowed_subdomains=allowed_subdomains)
        response = launch(client)
        assert response.status_code == 400 and response['Content-Type'].startswith('text/plain')
        assert response.content.decode() == ('Invalid Cornerstone launch: subdomain: no Cornerstone configuration '
                                             'of your organization accepts launches from this portal.')
        assert not CornerstoneLearnerIdentity.objects.exists()

    def test_subdomains_are_compared_ignoring_case(self, client, learner):
        CornerstoneEnterpriseCustomerConfiguration.objects.update(allowed_subdomains=['Acme-Corp'])
        assert launch(client, subdomain='ACME-corp').status_code == 302
        assert CornerstoneLearnerIdentity.objects.get().subdomain == 'ACME-corp'

    def test_written_only_for_the_customers_that_allow_the_portal(self, client, learner):
        allowing = another_customer_of(learner, allowed_subdomains=['initech', 'ACME-CORP'])
        another_customer_of(learner, allowed_subdomains=['initech'])
        another_customer_of(learner, active=False)
        response = launch(client)
        assert response.status_code == 302 and response['Location'] == DASHBOARD
        assert set(identities()) == {(learner.pk, 'edX+DemoX'), (allowing.pk, 'edX+DemoX')}

    def test_an_inactive_configuration_allows_nothing(self, client, learner):
        CornerstoneEnterpriseCustomerConfiguration.objects.update(active=False)
        assert launch(client).status_code == 400
        assert not CornerstoneLearnerIdentity.objects.exists()

    def test_a_customer_the_learner_was_unlinked_from_gets_nothing(self, client, learner):
        type(learner)._base_manager.filter(pk=learner.pk).update(linked=False)
        assert launch(client).status_code == 400
        assert not CornerstoneLearnerIdentity.objects.exists()

    def test_another_users_customer_is_not_reached(self, client, learner):
        stranger = EnterpriseCustomerUserFactory(enterprise_customer=learner.enterprise_customer)
        launch(client)
        assert set(identities()) == {(learner.pk, 'edX+DemoX')}
        assert stranger.pk != learner.pk


class TestConfirmingAChangedIdentity:
    """SPEC 20: a launch that moves an identity to another Cornerstone user or portal waits for the learner."""

    @pytest.fixture
    def known(self, learner):
        """The learner's identity for edX+DemoX, launched before from portal acme-corp as GUID-1."""
        CornerstoneEnterpriseCustomerConfiguration.objects.update(allowed_subdomains=['acme-corp', 'initech'])
        CornerstoneLearnerIdentityFactory(enterprise_customer_user=learner, course_id='edX+DemoX', user_guid='GUID-1',
                                          session_token='token-0', subdomain='acme-corp')
        return identities()

    @pytest.mark.parametrize(('params', 'explanation'), [
        ({'userGuid': 'GUID-2'}, 'This launch comes from a different Cornerstone user'),
        ({'subdomain': 'initech'}, 'This launch comes from the Cornerstone portal\n        <strong>initech</strong>'),
        ({'userGuid': 'GUID-2', 'subdomain': 'initech'}, 'as a\n        different Cornerstone user'),
    ])
    def test_a_change_of_user_or_portal_shows_the_confirmation_page_and_writes_nothing(
            self, client, learner, known, params, explanation):
        another_customer_of(learner, allowed_subdomains=['acme-corp', 'initech'])  # would get a first identity
        response = launch(client, **params)
        assert response.status_code == 200
        assert response['Content-Type'].startswith('text/html')
        assert [template.name for template in response.templates] == [
            'enterprise_export/cornerstone_launch_confirm.html']
        page = response.content.decode()
        assert 'Confirm your Cornerstone launch' in page and 'edX+DemoX' in page
        assert 'your Cornerstone identity for this course changes' in page
        assert explanation in page
        assert identities() == known

    def test_the_confirmation_page_cannot_be_framed_or_cached(self, client, learner, known):
        response = launch(client, userGuid='GUID-2')
        assert response['X-Frame-Options'] == 'DENY'
        assert 'no-store' in response['Cache-Control']

    def test_the_confirmation_page_form_posts_the_launch_back_with_the_csrf_token(self, learner, known):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(learner_user(learner))
        page = launch(browser, userGuid='GUID-2', sessionToken='token-2')
        form = FormReader(page.content.decode())
        assert form.action == launch_url()
        assert {name: value for name, value in form.inputs.items() if name != 'csrfmiddlewaretoken'} == {
            **GOOD, 'userGuid': 'GUID-2', 'sessionToken': 'token-2'}
        assert form.inputs['csrfmiddlewaretoken']
        assert identities() == known
        response = browser.post(form.action, form.inputs)
        assert response.status_code == 302 and response['Location'] == DASHBOARD
        assert identities() == {(learner.pk, 'edX+DemoX'): (
            'GUID-2', 'token-2', '/services/x/progress-callback', 'acme-corp')}

    def test_launch_values_are_put_back_in_the_form_escaped(self, client, learner, known):
        token = '"><script>alert(1)</script>'
        page = launch(client, userGuid='GUID-2', sessionToken=token).content.decode()
        assert '<script>' not in page
        assert FormReader(page).inputs['sessionToken'] == token

    def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(self, learner, known):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(learner_user(learner))
        response = confirm(browser, userGuid='GUID-2')
        assert response.status_code == 403
        assert identities() == known

    def test_the_confirmation_writes_for_every_customer_that_allows_the_portal(self, client, learner, known):
        allowing = another_customer_of(learner, allowed_subdomains=['initech'])
        another_customer_of(learner, allowed_subdomains=['acme-corp'])
        response = confirm(client, subdomain='initech')
        assert response.status_code == 302 and response['Location'] == DASHBOARD
        assert identities() == {
            (learner.pk, 'edX+DemoX'): ('GUID-1', 'token-1', '/services/x/progress-callback', 'initech'),
            (allowing.pk, 'edX+DemoX'): ('GUID-1', 'token-1', '/services/x/progress-callback', 'initech'),
        }

    @pytest.mark.parametrize('params', [
        {'userGuid': 'GUID-2', 'callbackUrl': '/a/../b'},
        {'userGuid': 'GUID-2', 'callbackUrl': '/services/x\n'},
        {'subdomain': 'evil.example.com'},
        {'subdomain': 'globex'},
        {'userGuid': ''},
        {'course_key': 'course-v1:Bad'},
    ])
    def test_the_confirmation_is_checked_again_as_a_launch_is(self, client, learner, known, params):
        response = confirm(client, **params)
        assert response.status_code == 400 and response['Content-Type'].startswith('text/plain')
        assert identities() == known

    def test_the_confirmation_reads_its_form_not_the_query_string(self, client, learner, known):
        response = client.post(f"{launch_url()}?subdomain=initech&userGuid=GUID-2", {**GOOD, 'userGuid': 'GUID-3'})
        assert response.status_code == 302
        assert identities()[(learner.pk, 'edX+DemoX')][0::3] == ('GUID-3', 'acme-corp')

    def test_a_change_in_another_customers_identity_holds_the_launch_for_all(self, client, learner):
        other = another_customer_of(learner)
        CornerstoneLearnerIdentityFactory(enterprise_customer_user=other, course_id='edX+DemoX', user_guid='GUID-0',
                                          subdomain='acme-corp')
        before = identities()
        assert launch(client).status_code == 200
        assert identities() == before

    def test_an_identity_of_a_customer_that_does_not_allow_the_portal_holds_nothing(self, client, learner):
        other = another_customer_of(learner, allowed_subdomains=['initech'])
        CornerstoneLearnerIdentityFactory(enterprise_customer_user=other, course_id='edX+DemoX', user_guid='GUID-0',
                                          subdomain='initech')
        assert launch(client).status_code == 302
        assert identities()[(learner.pk, 'edX+DemoX')][0] == 'GUID-1'
        assert identities()[(other.pk, 'edX+DemoX')][0] == 'GUID-0'

    def test_another_course_is_not_a_change(self, client, learner, known):
        assert launch(client, course_key='edX+OtherX', userGuid='GUID-2').status_code == 302
        assert identities()[(learner.pk, 'edX+OtherX')][0] == 'GUID-2'
        assert identities()[(learner.pk, 'edX+DemoX')] == known[(learner.pk, 'edX+DemoX')]

    def test_the_same_portal_in_other_letters_is_no_change(self, client, learner, known):
        assert launch(client, subdomain='ACME-Corp').status_code == 302
        assert identities()[(learner.pk, 'edX+DemoX')] == (
            'GUID-1', 'token-1', '/services/x/progress-callback', 'ACME-Corp')


@pytest.mark.parametrize('method', ['put', 'patch', 'delete'])
def test_only_get_and_post(client, learner, method):
    assert getattr(client, method)(launch_url()).status_code == 405
    assert not CornerstoneLearnerIdentity.objects.exists()


def test_a_confirmation_needs_a_login(client):
    CornerstoneConfigurationFactory(allowed_subdomains=['acme-corp'])
    response = confirm(client)
    assert response.status_code == 302 and '/accounts/login/' in response['Location']
    assert not CornerstoneLearnerIdentity.objects.exists()


def test_no_cornerstone_identity_or_learner_in_the_logs(client, learner, caplog):
    CornerstoneLearnerIdentityFactory(enterprise_customer_user=learner, course_id='edX+DemoX', user_guid='GUID-0')
    user = learner_user(learner)
    with caplog.at_level(logging.INFO, logger='enterprise_export'):
        launch(client, subdomain='initech')  # refused
        launch(client, callbackUrl='/a/../b')  # refused
        launch(client)  # confirmation page
        confirm(client)  # saved
    ours = [record for record in caplog.records if record.name == 'enterprise_export.cornerstone']
    assert [record.levelname for record in ours] == ['WARNING', 'INFO', 'INFO', 'INFO']
    logged = ' '.join(f'{record.getMessage()} {record.__dict__}' for record in ours)
    for secret in ('GUID-0', 'GUID-1', 'token-1', user.username, user.email):
        assert secret not in logged


def learner_user(learner):
    return UserFactory._meta.model.objects.get(pk=learner.user_id)
