"""The operators' API (SPEC 15): who may read, filters, pages, order, the summary, the schema, no secrets."""

import datetime
import time
import uuid

import jwt
import pytest
from django.conf import settings
from django.urls import reverse

from enterprise_export.models import EnterpriseCustomerAdmin, SapSuccessFactorsLearnerDataTransmissionAudit
from test_utils.factories import (
    CornerstoneAuditFactory,
    CornerstoneConfigurationFactory,
    DegreedAuditFactory,
    DegreedConfigurationFactory,
    EnterpriseCustomerFactory,
    SapAuditFactory,
    SAPConfigurationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
DAY = datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC)
SUBSECTION = 'block-v1:edX+DemoX+type@sequential+block@1'


def jwt_header(user, roles=(), lifetime=600, **claims):
    """
    ``Authorization`` of a JWT as the LMS issues it, signed with the test issuer's secret;
    ``claims`` add to or replace the payload's (``is_restricted``, ``filters``, ``administrator``).
    """
    issuer = settings.JWT_AUTH['JWT_ISSUERS'][0]
    now = int(time.time())
    payload = {'iss': issuer['ISSUER'], 'aud': issuer['AUDIENCE'], 'preferred_username': user.username,
               'user_id': user.pk, 'email': user.email, 'iat': now, 'exp': now + lifetime, 'version': '1.1.0',
               'scopes': ['user_id', 'email', 'profile'], 'filters': [], 'is_restricted': False,
               'roles': list(roles), **claims}
    return {'HTTP_AUTHORIZATION': f"JWT {jwt.encode(payload, issuer['SECRET_KEY'], algorithm='HS256')}"}


def at(row, moment):
    """Give ``row`` the last-attempt time ``moment`` (``modified`` is set on every save otherwise)."""
    type(row).objects.filter(pk=row.pk).update(modified=moment)
    return row


@pytest.fixture
def setup():
    """A customer on the three channels, rows at known times, and another customer's rows."""
    customer = EnterpriseCustomerFactory()
    sap = SAPConfigurationFactory(enterprise_customer=customer)
    degreed = DegreedConfigurationFactory(enterprise_customer=customer, active=False)
    csod = CornerstoneConfigurationFactory(enterprise_customer=customer)
    rows = {
        'sap_sent': at(SapAuditFactory(plugin_configuration_id=sap.pk, enterprise_course_enrollment_id=1), DAY),
        'sap_failed': at(SapAuditFactory(plugin_configuration_id=sap.pk, enterprise_course_enrollment_id=2,
                                         status=400, error_message='{"message": "invalid userID"}'),
                         DAY + datetime.timedelta(hours=1)),
        'sap_subsection': at(SapAuditFactory(plugin_configuration_id=sap.pk, enterprise_course_enrollment_id=1,
                                             subsection_id=SUBSECTION),
                             DAY - datetime.timedelta(days=1)),
        'degreed_failed': at(DegreedAuditFactory(plugin_configuration_id=degreed.pk, enterprise_course_enrollment_id=3,
                                                 status=None, error_message='ConnectTimeout: no answer from DEGREED'),
                             DAY + datetime.timedelta(hours=2)),
        'csod_sent': at(CornerstoneAuditFactory(plugin_configuration_id=csod.pk, enterprise_course_enrollment_id=4,
                                                course_id='edX+Other'), DAY + datetime.timedelta(days=1)),
    }
    at(SapAuditFactory(plugin_configuration_id=sap.pk, enterprise_course_enrollment_id=2,
                       course_id='course-v1:edX+DemoX+Demo_2026', status=500, error_message='boom',
                       superseded=True), DAY)
    other = SAPConfigurationFactory()
    SapAuditFactory(plugin_configuration_id=other.pk, enterprise_course_enrollment_id=99)
    return customer, {'SAP': sap, 'DEGREED': degreed, 'CSOD': csod, 'other': other}, rows


def transmissions_url(customer_uuid):
    return reverse('enterprise_export:api_transmissions', kwargs={'customer_uuid': customer_uuid})


def summary_url(customer_uuid):
    return reverse('enterprise_export:api_transmissions_summary', kwargs={'customer_uuid': customer_uuid})


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True))
    return client


def listing(client, customer, **params):
    response = client.get(transmissions_url(customer.uuid), params)
    assert response.status_code == 200, response.content
    return response.json()


def ids(answer):
    return [(row['channel'], row['enrollment_id'], row['subsection_id']) for row in answer['results']]


# --- Who may read ----------------------------------------------------------------------------

def test_anonymous_is_401(client, setup):
    customer, _, _ = setup
    for url in (transmissions_url(customer.uuid), summary_url(customer.uuid)):
        assert client.get(url).status_code == 401


def test_staff_reads_any_customer(staff, setup):
    customer, _, _ = setup
    assert staff.get(transmissions_url(customer.uuid)).status_code == 200
    assert staff.get(summary_url(customer.uuid)).status_code == 200


def test_a_jwt_with_the_customers_admin_role_reads_it(client, setup):
    customer, _, _ = setup
    user = UserFactory()
    header = jwt_header(user, roles=[f'enterprise_admin:{customer.uuid}'])
    assert client.get(transmissions_url(customer.uuid), **header).status_code == 200
    assert client.get(summary_url(customer.uuid), **header).status_code == 200


def test_a_jwt_with_another_role_or_none_is_404(client, setup):
    customer, _, _ = setup
    other = EnterpriseCustomerFactory()
    user = UserFactory()
    for roles in ([], [f'enterprise_admin:{other.uuid}'], [f'enterprise_learner:{customer.uuid}']):
        assert client.get(transmissions_url(customer.uuid), **jwt_header(user, roles)).status_code == 404


def test_a_jwt_signed_with_another_key_is_401(client, setup, settings):
    """edx-drf-extensions alone would accept it when no asymmetric key is configured (see api/authentication.py)."""
    customer, _, _ = setup
    header = jwt_header(UserFactory(), roles=[f'enterprise_admin:{customer.uuid}'])
    settings.JWT_AUTH = {**settings.JWT_AUTH, 'JWT_ISSUERS': [
        {**settings.JWT_AUTH['JWT_ISSUERS'][0], 'SECRET_KEY': 'the-real-secret-that-signed-nothing-here'}]}
    assert client.get(transmissions_url(customer.uuid), **header).status_code == 401
    assert client.get(summary_url(customer.uuid), **header).status_code == 401


def test_a_jwt_on_a_host_without_jwt_settings_is_401(client, setup, settings):
    customer, _, _ = setup
    header = jwt_header(UserFactory(), roles=[f'enterprise_admin:{customer.uuid}'])
    del settings.JWT_AUTH
    assert client.get(transmissions_url(customer.uuid), **header).status_code == 401


def test_an_expired_jwt_is_401(client, setup):
    customer, _, _ = setup
    header = jwt_header(UserFactory(), roles=[f'enterprise_admin:{customer.uuid}'], lifetime=-60)
    assert client.get(transmissions_url(customer.uuid), **header).status_code == 401


# A restricted application (the LMS's ``RestrictedApplication``: ``is_restricted`` and its
# ``filters``, as a third party's client-credentials token carries them) acts for a user only
# within its filters, which this API does not know: it is refused whatever else the token says.
RESTRICTED = {'is_restricted': True, 'filters': ['content_org:edX']}


def test_a_jwt_of_a_restricted_application_is_403(client, setup):
    customer, _, _ = setup
    header = jwt_header(UserFactory(), roles=[f'enterprise_admin:{customer.uuid}'], **RESTRICTED)
    assert client.get(transmissions_url(customer.uuid), **header).status_code == 403
    assert client.get(summary_url(customer.uuid), **header).status_code == 403


def test_a_restricted_applications_administrator_claim_grants_nothing(client, setup):
    """Not this request, and not later ones: the learner does not become staff."""
    customer, _, _ = setup
    user = UserFactory()
    header = jwt_header(user, administrator=True, **RESTRICTED)
    assert client.get(transmissions_url(customer.uuid), **header).status_code == 403
    user.refresh_from_db()
    assert not user.is_staff
    client.force_login(user)
    assert client.get(transmissions_url(customer.uuid)).status_code == 404


def test_a_restricted_jwt_of_a_staff_user_is_403(client, setup):
    customer, _, _ = setup
    header = jwt_header(UserFactory(is_staff=True), administrator=True, **RESTRICTED)
    assert client.get(summary_url(customer.uuid), **header).status_code == 403


def test_an_unrestricted_jwts_administrator_claim_is_the_lms_staff_flag(client, setup):
    customer, _, _ = setup
    header = jwt_header(UserFactory(), administrator=True)
    assert client.get(summary_url(customer.uuid), **header).status_code == 200


def test_a_jwt_of_an_inactive_user_is_401(client, setup):
    customer, _, _ = setup
    header = jwt_header(UserFactory(is_active=False), roles=[f'enterprise_admin:{customer.uuid}'])
    assert client.get(transmissions_url(customer.uuid), **header).status_code == 401
    assert client.get(summary_url(customer.uuid), **header).status_code == 401
    staff_header = jwt_header(UserFactory(is_active=False, is_staff=True), administrator=True)
    assert client.get(summary_url(customer.uuid), **staff_header).status_code == 401


def test_a_session_of_an_inactive_user_is_401(client, setup):
    customer, _, _ = setup
    user = UserFactory(is_staff=True)
    client.force_login(user)
    user.is_active = False
    user.save()
    assert client.get(transmissions_url(customer.uuid)).status_code == 401


def test_an_enterprise_customer_admin_row_reads_its_customer_only(client, setup):
    customer, _, _ = setup
    user = UserFactory()
    EnterpriseCustomerAdmin.objects.create(enterprise_customer=customer, user_id=user.pk)
    client.force_login(user)
    assert client.get(transmissions_url(customer.uuid)).status_code == 200
    assert client.get(summary_url(customer.uuid)).status_code == 200
    other = EnterpriseCustomerFactory()
    assert client.get(transmissions_url(other.uuid)).status_code == 404
    assert client.get(summary_url(other.uuid)).status_code == 404


def test_another_logged_in_user_is_404(client, setup):
    customer, _, _ = setup
    client.force_login(UserFactory())
    assert client.get(transmissions_url(customer.uuid)).status_code == 404
    assert client.get(summary_url(customer.uuid)).status_code == 404


def test_an_unknown_customer_is_404_even_for_staff(staff, setup):
    assert staff.get(transmissions_url(uuid.uuid4())).status_code == 404
    assert staff.get(summary_url(uuid.uuid4())).status_code == 404
    assert staff.get('/enterprise-export/api/v1/customers/not-a-uuid/transmissions/').status_code == 404


# --- The listing -----------------------------------------------------------------------------

def test_lists_the_customers_rows_across_channels_newest_first(staff, setup):
    customer, configurations, rows = setup
    answer = listing(staff, customer)
    assert answer['count'] == 5
    assert ids(answer) == [('CSOD', 4, ''), ('DEGREED', 3, ''), ('SAP', 2, ''), ('SAP', 1, ''),
                           ('SAP', 1, SUBSECTION)]
    sent = answer['results'][0]
    assert sent == {
        'channel': 'CSOD', 'configuration_id': configurations['CSOD'].pk, 'enrollment_id': 4,
        'course_id': 'edX+Other', 'subsection_id': '', 'grade': 'Pass', 'course_completed': True,
        'completed_timestamp': 1491331551000, 'status': 'sent', 'http_status': 200, 'reason': '',
        'last_attempt': '2026-06-02T12:00:00Z',
    }


def test_failed_rows_say_why_in_a_sentence_without_the_channels_answer(staff, setup):
    customer, _, _ = setup
    failed = {row['channel']: row for row in listing(staff, customer, status='failed')['results']}
    assert failed['SAP']['status'] == 'failed' and failed['SAP']['http_status'] == 400
    assert failed['SAP']['reason'] == 'The channel refused the learner: invalid user identifier or record (HTTP 400).'
    assert failed['DEGREED']['http_status'] is None
    assert failed['DEGREED']['reason'].startswith('The channel did not answer')
    assert 'invalid userID' not in str(failed)


def test_superseded_rows_are_not_listed(staff, setup):
    customer, _, _ = setup
    answer = listing(staff, customer, course_id='course-v1:edX+DemoX+Demo_2026')
    assert answer['count'] == 0


@pytest.mark.parametrize(('params', 'expected'), [
    ({'channel': 'SAP'}, [('SAP', 2, ''), ('SAP', 1, ''), ('SAP', 1, SUBSECTION)]),
    ({'channel': 'DEGREED'}, [('DEGREED', 3, '')]),
    ({'channel': 'degreed'}, [('DEGREED', 3, '')]),
    ({'course_id': 'edX+Other'}, [('CSOD', 4, '')]),
    ({'enrollment_id': 1}, [('SAP', 1, ''), ('SAP', 1, SUBSECTION)]),
    ({'status': 'sent'}, [('CSOD', 4, ''), ('SAP', 1, ''), ('SAP', 1, SUBSECTION)]),
    ({'status': 'failed'}, [('DEGREED', 3, ''), ('SAP', 2, '')]),
    ({'since': '2026-06-01T13:00:00Z'}, [('CSOD', 4, ''), ('DEGREED', 3, ''), ('SAP', 2, '')]),
    ({'since': '2026-06-02'}, [('CSOD', 4, '')]),
    ({'since': '2026-06-01T15:00:00 02:00'}, [('CSOD', 4, ''), ('DEGREED', 3, ''), ('SAP', 2, '')]),
    ({'until': '2026-06-01T12:00:00+00:00'}, [('SAP', 1, ''), ('SAP', 1, SUBSECTION)]),
    ({'until': '2026-06-01'}, [('DEGREED', 3, ''), ('SAP', 2, ''), ('SAP', 1, ''),
                               ('SAP', 1, SUBSECTION)]),
    ({'since': '2026-06-01', 'until': '2026-06-01', 'channel': 'SAP', 'status': 'sent'}, [('SAP', 1, '')]),
])
def test_filters(staff, setup, params, expected):
    customer, _, _ = setup
    assert ids(listing(staff, customer, **params)) == expected


def test_configuration_filter(staff, setup):
    customer, configurations, _ = setup
    # Configuration ids are per channel: the same id may name a configuration of each.
    answer = listing(staff, customer, channel='CSOD', configuration_id=configurations['CSOD'].pk)
    assert ids(answer) == [('CSOD', 4, '')]
    answer = listing(staff, customer, channel='SAP', configuration_id=configurations['SAP'].pk)
    assert {row['configuration_id'] for row in answer['results']} == {configurations['SAP'].pk}
    assert listing(staff, customer, channel='SAP', configuration_id=configurations['other'].pk)['count'] == 0


@pytest.mark.parametrize('params', [{'since': 'yesterday'}, {'until': '2026-13-01'}, {'channel': 'MOODLE'},
                                    {'status': 'pending'}, {'enrollment_id': 'one'}])
def test_invalid_filters_are_400(staff, setup, params):
    customer, _, _ = setup
    assert staff.get(transmissions_url(customer.uuid), params).status_code == 400


def test_ordering_by_status_lists_failures_first(staff, setup):
    customer, _, _ = setup
    assert ids(listing(staff, customer, ordering='status')) == [
        ('DEGREED', 3, ''), ('SAP', 2, ''), ('CSOD', 4, ''), ('SAP', 1, ''),
        ('SAP', 1, SUBSECTION)]
    assert ids(listing(staff, customer, ordering='last_attempt'))[0] == (
        'SAP', 1, SUBSECTION)


def test_pages(staff, setup):
    customer, _, _ = setup
    first = listing(staff, customer, page_size=2)
    assert (first['count'], len(first['results']), first['previous']) == (5, 2, None)
    second = staff.get(first['next']).json()
    third = staff.get(second['next']).json()
    assert third['next'] is None and len(third['results']) == 1
    assert ids(first) + ids(second) + ids(third) == ids(listing(staff, customer))


def test_page_size_is_capped_at_500(staff):
    customer = EnterpriseCustomerFactory()
    configuration = SAPConfigurationFactory(enterprise_customer=customer)
    SapSuccessFactorsLearnerDataTransmissionAudit.objects.bulk_create([
        SapSuccessFactorsLearnerDataTransmissionAudit(
            plugin_configuration_id=configuration.pk, enterprise_course_enrollment_id=index, course_id='edX+DemoX',
            sapsf_user_id=f'SAP-{index}', status=200, grade='Pass') for index in range(501)])
    answer = listing(staff, customer, page_size=1000)
    assert (answer['count'], len(answer['results'])) == (501, 500)
    assert answer['next'] is not None


# --- The summary -----------------------------------------------------------------------------

def test_summary_counts_per_configuration_inactive_ones_too(staff, setup):
    customer, configurations, _ = setup
    empty = SAPConfigurationFactory(enterprise_customer=customer)
    answer = staff.get(summary_url(customer.uuid)).json()
    assert answer == [
        {'channel': 'SAP', 'configuration_id': configurations['SAP'].pk, 'active': True, 'sent': 2, 'failed': 1,
         'last_attempt': '2026-06-01T13:00:00Z',
         'last_error': 'The channel refused the learner: invalid user identifier or record (HTTP 400).'},
        {'channel': 'SAP', 'configuration_id': empty.pk, 'active': True, 'sent': 0, 'failed': 0,
         'last_attempt': None, 'last_error': None},
        {'channel': 'DEGREED', 'configuration_id': configurations['DEGREED'].pk, 'active': False, 'sent': 0,
         'failed': 1, 'last_attempt': '2026-06-01T14:00:00Z',
         'last_error': 'The channel did not answer (network error or timeout); the record is tried again on the '
                       'next run.'},
        {'channel': 'CSOD', 'configuration_id': configurations['CSOD'].pk, 'active': True, 'sent': 1, 'failed': 0,
         'last_attempt': '2026-06-02T12:00:00Z', 'last_error': None},
    ]


# --- Secrets, and the schema -----------------------------------------------------------------

def test_no_answer_holds_a_secret_a_token_or_a_payload(staff, setup):
    customer, configurations, _ = setup
    SapAuditFactory(plugin_configuration_id=configurations['SAP'].pk, enterprise_course_enrollment_id=7, status=401,
                    error_message='{"error": "bad client sap-client-secret", "access_token": "tok-123", '
                                  '"userID": "SAP-77"}')
    CornerstoneAuditFactory(plugin_configuration_id=configurations['CSOD'].pk, enterprise_course_enrollment_id=8,
                            status=200, error_message='token answer without an access_token: {"x": "session-9"}')
    answers = (staff.get(transmissions_url(customer.uuid)).content.decode()
               + staff.get(summary_url(customer.uuid)).content.decode()
               + staff.get(reverse('enterprise_export:api_schema')).content.decode())
    secrets = [value for configuration in configurations.values()
               for value in (configuration.key, configuration.secret)]
    for forbidden in [*secrets, 'tok-123', 'SAP-77', 'session-9', 'access_token"', 'userID', 'guid-', '@example.com']:
        assert forbidden not in answers


def test_the_schema_describes_the_api(client):
    response = client.get(reverse('enterprise_export:api_schema'))
    assert response.status_code == 200
    document = response.json()
    listing_path = document['paths']['/enterprise-export/api/v1/customers/{customer_uuid}/transmissions/']
    parameters = {parameter['name'] for parameter in listing_path['get']['parameters']}
    assert {'channel', 'configuration_id', 'course_id', 'enrollment_id', 'status', 'since', 'until', 'ordering',
            'page', 'page_size'} <= parameters
    assert '/enterprise-export/api/v1/customers/{customer_uuid}/transmissions/summary/' in document['paths']
    assert 'jwtAuth' in document['components']['securitySchemes']
    yaml = client.get(reverse('enterprise_export:api_schema'), {'format': 'yaml'})
    assert yaml.status_code == 200 and yaml.content.decode().startswith('openapi: 3')


@pytest.mark.django_db
def test_both_endpoints_render_in_the_browsable_api(client):
    """SPEC 21: an operator opening the API in a browser gets its pages, not "Server Error (500)"."""
    configuration = SAPConfigurationFactory()
    client.force_login(UserFactory(is_staff=True))
    base = f'/enterprise-export/api/v1/customers/{configuration.enterprise_customer.uuid}/transmissions/'
    for url in (base, f'{base}summary/'):
        response = client.get(url, HTTP_ACCEPT='text/html')
        assert response.status_code == 200, url
        assert response['Content-Type'].startswith('text/html')
        # The answer, shown in the page: the listing's count, the summary's configuration.
        assert ('count' if url == base else 'configuration_id') in response.content.decode()
