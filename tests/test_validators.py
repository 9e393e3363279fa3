"""The validators of untrusted values (SPEC 16): what each refuses and what it lets through."""

import pytest
from django.core.exceptions import ValidationError

from enterprise_export import validators
from enterprise_export.models import CornerstoneLearnerIdentity


@pytest.mark.parametrize('value', ['/services/x/progress-callback', '/a', '/a-b_c/d.e', '/a.b/c', '/.well-known/x',
                                   '/a..b/c', '/'])
def test_callback_url_accepts_relative_paths(value):
    validators.validate_callback_url(value)


@pytest.mark.parametrize('value', [
    '@evil.com/x', 'https://evil.com/x', '//evil.com/x', 'evil.com/x', '/a/../../admin', '/x@evil.com/',
    '/a\\b', '/a?b=c', '/a#b', '/a b', '/a\tb', '/a\x00', 'javascript:alert(1)', '',
])
def test_callback_url_refuses_anything_that_is_not_a_relative_path(value):
    with pytest.raises(ValidationError):
        validators.validate_callback_url(value)


@pytest.mark.parametrize('value', [
    '/services/x/progress-callback\n', '/%2e%2e/x', '/%2F%2Fevil.com', '/a/../b', '/..', '/./a', '/a/.', '/.',
    '/a~b', '/a;b', "/a'b", '/caf\u00e9', '/a\u2215b', '\n/a',
])
def test_callback_url_is_matched_whole_with_no_dot_segment(value):
    with pytest.raises(ValidationError) as refused:
        validators.validate_callback_url(value)
    assert refused.value.code == 'invalid_callback_url'


@pytest.mark.parametrize('value', ['acme', 'acme-corp', 'a', 'A1', 'a' * 63])
def test_subdomain_accepts_host_labels(value):
    validators.validate_subdomain(value)


@pytest.mark.parametrize('value', ['evil.com#', 'evil.com', 'acme/corp', '-acme', 'acme-', 'a' * 64, '', 'ac me',
                                   'acme@evil', 'acmé'])
def test_subdomain_refuses_anything_but_one_label(value):
    with pytest.raises(ValidationError):
        validators.validate_subdomain(value)


@pytest.mark.parametrize('value', ['https://api4.successfactors.com', 'https://sap.example.com/',
                                   'https://sap.example.com:8443/base', 'http://localhost:8000',
                                   'http://127.0.0.1:18000/channels', 'http://[::1]:9000'])
def test_base_url_accepts_https_and_loopback_http(value):
    validators.validate_base_url(value)


@pytest.mark.parametrize('value', ['not a url', 'http://sap.example.com', 'ftp://sap.example.com',
                                   'https://user:pw@sap.example.com', 'https://sap.example.com/?a=b',
                                   'https://sap.example.com/#x', 'https://', '', 'http://10.0.0.1',
                                   'https://{subdomain}.csod.com'])
def test_base_url_refuses_the_rest(value):
    with pytest.raises(ValidationError):
        validators.validate_base_url(value)


@pytest.mark.parametrize('value', ['http://localhost:8000', 'http://127.0.0.1:18000/channels', 'http://[::1]:9000'])
def test_loopback_http_is_refused_unless_the_setting_allows_it(settings, value):
    settings.ENTERPRISE_EXPORT_ALLOW_LOOPBACK_HTTP = False
    with pytest.raises(ValidationError) as refused:
        validators.validate_base_url(value)
    assert refused.value.messages == ['Enter an https URL, without user, query or fragment.']
    validators.validate_base_url(value.replace('http://', 'https://'))


def test_loopback_http_is_off_by_default():
    from enterprise_export.settings.common import DEFAULTS

    assert DEFAULTS['ENTERPRISE_EXPORT_ALLOW_LOOPBACK_HTTP'] is False


@pytest.mark.parametrize('value', [[], ['acme'], ['Acme', 'acme-eu', 'a' * 63]])
def test_allowed_subdomains_accepts_lists_of_subdomains(value):
    validators.validate_subdomain_list(value)


@pytest.mark.parametrize('value', ['acme', ['acme', 'evil.com'], ['acme\n'], [''], [1], {'acme': True}, None])
def test_allowed_subdomains_refuses_anything_else(value):
    with pytest.raises(ValidationError):
        validators.validate_subdomain_list(value)


def test_cornerstone_base_url_may_hold_the_subdomain_placeholder():
    validators.validate_cornerstone_base_url('https://{subdomain}.csod.com')
    validators.validate_cornerstone_base_url('http://127.0.0.1:9000/csod')
    with pytest.raises(ValidationError):
        validators.validate_cornerstone_base_url('http://{subdomain}.csod.com')


@pytest.mark.parametrize(('value', 'course_key'), [
    ('edX+DemoX', 'edX+DemoX'), ('Org.1+Course_2-b', 'Org.1+Course_2-b'),
    ('course-v1:edX+DemoX+Demo_2026', 'edX+DemoX'),
])
def test_launch_course_key_is_the_course_key(value, course_key):
    assert validators.course_key_from_launch(value) == course_key


@pytest.mark.parametrize('value', ['not-a-key', 'course-v1:Bad', 'edX+', '+DemoX', 'edX+Demo X', 'a+b+c', 'edX/DemoX'])
def test_launch_course_key_refuses_what_is_no_course_key(value):
    with pytest.raises(ValidationError):
        validators.course_key_from_launch(value)


@pytest.mark.parametrize(('validator', 'refused', 'accepted'), [
    (validators.validate_transmission_chunk_size, 0, 1),
    (validators.validate_requests_per_minute, -1, 0),
])
def test_counts_have_a_floor(validator, refused, accepted):
    validator(accepted)
    with pytest.raises(ValidationError):
        validator(refused)


def test_clean_values_names_every_refused_field_with_lengths_too():
    with pytest.raises(ValidationError) as refused:
        validators.clean_values(CornerstoneLearnerIdentity, {
            'user_guid': 'g' * 256, 'session_token': 'token', 'callback_url': '@evil.com/x', 'subdomain': 'ok',
        })
    assert set(refused.value.message_dict) == {'user_guid', 'callback_url'}
    validators.clean_values(CornerstoneLearnerIdentity, {'user_guid': 'g' * 255, 'subdomain': 'ok'})
