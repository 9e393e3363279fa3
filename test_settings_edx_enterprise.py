"""
Settings for the edx-enterprise CI stage: the test settings plus edx-enterprise's apps, whose
customers, learners, enrollments and consent replace the app's own (SPEC section 12).

Needs the virtualenv of ``requirements/edx-enterprise.txt`` (``make test-edx-enterprise``).
"""

from test_settings import *  # noqa: F403 - the same host, with edx-enterprise installed

INSTALLED_APPS = [
    *INSTALLED_APPS,  # noqa: F405
    'django.contrib.sites',
    'waffle',
    'simple_history',
    'enterprise',
    'consent',
    'integrated_channels.integrated_channel',
    'integrated_channels.sap_success_factors',
    'integrated_channels.degreed',
    'integrated_channels.degreed2',
    'integrated_channels.cornerstone',
    'integrated_channels.xapi',
]
SITE_ID = 1
# edx-enterprise's models are AutoField-keyed, as in the LMS.
DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'

# The four source models, as plugin_settings chooses them in an LMS (spelled out: they must be
# fixed before the first migrate).
ENTERPRISE_EXPORT_CUSTOMER_MODEL = 'enterprise.EnterpriseCustomer'
ENTERPRISE_EXPORT_CUSTOMER_USER_MODEL = 'enterprise.EnterpriseCustomerUser'
ENTERPRISE_EXPORT_ENROLLMENT_MODEL = 'enterprise.EnterpriseCourseEnrollment'
ENTERPRISE_EXPORT_CONSENT_MODEL = 'consent.DataSharingConsent'

# What edx-enterprise's modules read from the LMS's settings when they are imported.
PLATFORM_NAME = 'Test platform'
LMS_BASE = 'lms.example.com'
OAUTH_ID_TOKEN_EXPIRATION = 3600
COURSE_CATALOG_URL_ROOT = 'http://catalog.internal/'
COURSE_CATALOG_API_URL = 'http://catalog.internal/api/v1/'
ENTERPRISE_CATALOG_INTERNAL_ROOT_URL = 'http://enterprise-catalog.internal'
LMS_ENROLLMENT_API_PATH = '/api/enrollment/v1/'
ENTERPRISE_ENROLLMENT_API_URL = LMS_INTERNAL_ROOT_URL + LMS_ENROLLMENT_API_PATH  # noqa: F405
ECOMMERCE_PUBLIC_URL_ROOT = 'http://ecommerce.internal'
COURSE_KEY_PATTERN = r'(?P<course_key_string>[^/+]+(/|\+)[^/+]+(/|\+)[^/?]+)'
COURSE_ID_PATTERN = COURSE_KEY_PATTERN.replace('course_key_string', 'course_id')
COURSE_KEY_REGEX = COURSE_KEY_PATTERN.replace('P<course_key_string>', ':')
