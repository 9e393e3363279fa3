"""Settings: every default in one place, the host's values kept, and the LMS plugin wiring."""

from types import SimpleNamespace

from django.apps import apps

from enterprise_export.conf import get_setting
from enterprise_export.settings.common import DEFAULTS, plugin_settings


def test_plugin_settings_fill_only_what_the_host_lacks():
    host = SimpleNamespace(LMS_ROOT_URL='https://lms.example.com', ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS=16)
    plugin_settings(host)
    assert host.LMS_ROOT_URL == 'https://lms.example.com'
    assert host.ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS == 16
    assert host.ENTERPRISE_EXPORT_LMS_TIMEOUT == (3.05, 10)
    assert host.ENTERPRISE_COURSE_ENROLLMENT_AUDIT_MODES == ['audit', 'honor']
    assert all(hasattr(host, name) for name in DEFAULTS)


def test_spec_defaults():
    assert DEFAULTS['ENTERPRISE_EXPORT_CHANNEL_TIMEOUT'] == (3.05, 30)
    assert DEFAULTS['ENTERPRISE_CHANNEL_WORKER_USERNAME'] == 'enterprise_channel_worker'
    assert DEFAULTS['ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS'] == 8
    assert DEFAULTS['ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS'] == 20


def test_a_setting_missing_from_the_host_falls_back_to_its_default(settings):
    del settings.ENTERPRISE_COURSE_ENROLLMENT_AUDIT_MODES
    assert get_setting('ENTERPRISE_COURSE_ENROLLMENT_AUDIT_MODES') == ['audit', 'honor']
    settings.ENTERPRISE_COURSE_ENROLLMENT_AUDIT_MODES = ['audit']
    assert get_setting('ENTERPRISE_COURSE_ENROLLMENT_AUDIT_MODES') == ['audit']


def test_every_setting_has_a_readme_line():
    with open('README.rst', encoding='utf-8') as readme:
        text = readme.read()
    assert [name for name in DEFAULTS if f'``{name}``' not in text] == []


def test_the_lms_plugin_wiring():
    config = apps.get_app_config('enterprise_export')
    assert config.label == 'enterprise_export'
    assert config.default_auto_field == 'django.db.models.BigAutoField'
    assert config.plugin_app['url_config']['lms.djangoapp']['relative_path'] == 'urls'
    assert config.plugin_app['settings_config']['lms.djangoapp']['common']['relative_path'] == 'settings.common'


def test_source_models_default_to_the_apps_own_standalone():
    host = SimpleNamespace(INSTALLED_APPS=['django.contrib.auth', 'enterprise_export'])
    plugin_settings(host)
    assert host.ENTERPRISE_EXPORT_CUSTOMER_MODEL == 'enterprise_export.EnterpriseCustomer'
    assert host.ENTERPRISE_EXPORT_CONSENT_MODEL == 'enterprise_export.DataSharingConsent'


def test_source_models_are_edx_enterprises_in_an_lms_that_runs_it():
    host = SimpleNamespace(INSTALLED_APPS=['enterprise', 'consent', 'enterprise_export'],
                           ENTERPRISE_EXPORT_CONSENT_MODEL='custom.Consent')
    plugin_settings(host)
    assert host.ENTERPRISE_EXPORT_CUSTOMER_MODEL == 'enterprise.EnterpriseCustomer'
    assert host.ENTERPRISE_EXPORT_CUSTOMER_USER_MODEL == 'enterprise.EnterpriseCustomerUser'
    assert host.ENTERPRISE_EXPORT_ENROLLMENT_MODEL == 'enterprise.EnterpriseCourseEnrollment'
    assert host.ENTERPRISE_EXPORT_CONSENT_MODEL == 'custom.Consent'  # the host's own choice is kept


LMS_APPS = ['lms.djangoapps.grades.apps.GradesConfig', 'lms.djangoapps.certificates.apps.CertificatesConfig',
            'openedx.core.djangoapps.content.course_overviews.apps.CourseOverviewsConfig',
            'common.djangoapps.student']


def test_inside_the_lms_the_source_is_its_database_and_its_read_replica():
    host = SimpleNamespace(INSTALLED_APPS=['django.contrib.auth', *LMS_APPS],
                           DATABASES={'default': {}, 'read_replica': {}})
    plugin_settings(host)
    assert (host.ENTERPRISE_EXPORT_LMS_SOURCE, host.ENTERPRISE_EXPORT_LMS_DATABASE) == ('database', 'read_replica')


def test_without_every_lms_app_the_source_is_the_api_and_a_hosts_choice_is_kept():
    host = SimpleNamespace(INSTALLED_APPS=LMS_APPS[:3], DATABASES={'default': {}})
    plugin_settings(host)
    assert (host.ENTERPRISE_EXPORT_LMS_SOURCE, host.ENTERPRISE_EXPORT_LMS_DATABASE) == ('api', 'default')
    chosen = SimpleNamespace(INSTALLED_APPS=LMS_APPS, DATABASES={'default': {}}, ENTERPRISE_EXPORT_LMS_SOURCE='api')
    plugin_settings(chosen)
    assert chosen.ENTERPRISE_EXPORT_LMS_SOURCE == 'api'
    lookalike = SimpleNamespace(INSTALLED_APPS=[*LMS_APPS[:3], 'common.djangoapps.students'], DATABASES={})
    plugin_settings(lookalike)
    assert lookalike.ENTERPRISE_EXPORT_LMS_SOURCE == 'api'
