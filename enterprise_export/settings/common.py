"""
Defaults for every setting enterprise_export reads.

The LMS calls ``plugin_settings`` through the ``lms.djangoapp`` plugin entry point; a host
that does not (tests, the demo) still gets these defaults, because the app reads every
setting through ``enterprise_export.conf.get_setting`` at call time.
"""

DEFAULTS = {
    # The LMS: server-to-server API base, public base for redirects, OAuth client credentials.
    'LMS_ROOT_URL': 'http://localhost:18000',
    'LMS_INTERNAL_ROOT_URL': 'http://localhost:18000',
    'BACKEND_SERVICE_EDX_OAUTH2_PROVIDER_URL': 'http://localhost:18000/oauth2',
    'BACKEND_SERVICE_EDX_OAUTH2_KEY': '',
    'BACKEND_SERVICE_EDX_OAUTH2_SECRET': '',
    # (connect, read) timeouts in seconds.
    'ENTERPRISE_EXPORT_LMS_TIMEOUT': (3.05, 10),
    'ENTERPRISE_EXPORT_CHANNEL_TIMEOUT': (3.05, 30),
    # Retries of idempotent LMS calls on 429/502/503/504 and connection errors, with backoff.
    'ENTERPRISE_EXPORT_LMS_RETRIES': 2,
    # Retries of channel calls on 502/503/504 and connection errors (the channels take a
    # repeated completion as the same one).
    'ENTERPRISE_EXPORT_CHANNEL_RETRIES': 2,
    # Seconds a channel call may wait in all for 429 answers before its record fails (next run).
    'ENTERPRISE_EXPORT_CHANNEL_MAX_WAIT': 300,
    # Records of one configuration in flight at once (1: one after the other).
    'ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY': 4,
    'ENTERPRISE_COURSE_ENROLLMENT_AUDIT_MODES': ['audit', 'honor'],
    'ENTERPRISE_CHANNEL_WORKER_USERNAME': 'enterprise_channel_worker',
    'ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS': 8,
    'ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS': 20,
    # One run per configuration: a lock whose holder died expires after this many seconds.
    'ENTERPRISE_EXPORT_LOCK_SECONDS': 21600,
    # The single-learner task finding a configuration locked is retried after this many seconds,
    # at most this many times.
    'ENTERPRISE_EXPORT_LOCK_RETRY_SECONDS': 300,
    'ENTERPRISE_EXPORT_LOCK_MAX_RETRIES': 24,
    # prune_transmission_runs deletes the runs (the admin's transmission runs) started more than this many days ago.
    'ENTERPRISE_EXPORT_RUN_RETENTION_DAYS': 90,
    # Keys of the channel secrets' encryption, newest first; None: one key derived from SECRET_KEY.
    'ENTERPRISE_EXPORT_SECRET_KEYS': None,
    # Where the LMS's answers come from (SPEC 18): 'api' (its REST APIs, over HTTP) or 'database'
    # (its own tables, in bulk, inside the LMS). plugin_settings picks 'database' inside the LMS.
    'ENTERPRISE_EXPORT_LMS_SOURCE': 'api',
    # The database alias the database source reads; None: 'read_replica' when DATABASES has it, else 'default'.
    'ENTERPRISE_EXPORT_LMS_DATABASE': None,
    # Plain http to a loopback host (a local stand-in) accepted in base URLs and launches; never in production.
    'ENTERPRISE_EXPORT_ALLOW_LOOPBACK_HTTP': False,
    # The four source models (SPEC section 12), swappable like AUTH_USER_MODEL: fixed before
    # the first migrate. These are the standalone defaults; see SOURCE_MODELS_IN_AN_LMS.
    'ENTERPRISE_EXPORT_CUSTOMER_MODEL': 'enterprise_export.EnterpriseCustomer',
    'ENTERPRISE_EXPORT_CUSTOMER_USER_MODEL': 'enterprise_export.EnterpriseCustomerUser',
    'ENTERPRISE_EXPORT_ENROLLMENT_MODEL': 'enterprise_export.EnterpriseCourseEnrollment',
    'ENTERPRISE_EXPORT_CONSENT_MODEL': 'enterprise_export.DataSharingConsent',
}

# The LMS's apps that own the tables the database source reads (SPEC 18).
LMS_TABLE_APPS = (
    'lms.djangoapps.grades',
    'lms.djangoapps.certificates',
    'openedx.core.djangoapps.content.course_overviews',
    'common.djangoapps.student',
)

# Where the source models live in an LMS that runs edx-enterprise (its apps ``enterprise`` and ``consent``).
SOURCE_MODELS_IN_AN_LMS = {
    'ENTERPRISE_EXPORT_CUSTOMER_MODEL': 'enterprise.EnterpriseCustomer',
    'ENTERPRISE_EXPORT_CUSTOMER_USER_MODEL': 'enterprise.EnterpriseCustomerUser',
    'ENTERPRISE_EXPORT_ENROLLMENT_MODEL': 'enterprise.EnterpriseCourseEnrollment',
    'ENTERPRISE_EXPORT_CONSENT_MODEL': 'consent.DataSharingConsent',
}


def plugin_settings(settings):
    """
    Give the host's settings object every default it does not define itself.

    The source models default to edx-enterprise's when its ``enterprise`` app is installed, and
    the LMS source to its tables when the LMS's apps that own them are installed.
    """
    set_missing(settings, {**DEFAULTS, **source_model_defaults(settings), **lms_source_defaults(settings)})


def set_missing(settings, defaults):
    """Give ``settings`` each of ``defaults`` it does not define itself."""
    for name, default in defaults.items():
        if not hasattr(settings, name):
            setattr(settings, name, default)


def source_model_defaults(settings):
    """The four source-model settings a host gets when it sets none: edx-enterprise's if installed."""
    if 'enterprise' in getattr(settings, 'INSTALLED_APPS', ()):
        return dict(SOURCE_MODELS_IN_AN_LMS)
    return {name: DEFAULTS[name] for name in SOURCE_MODELS_IN_AN_LMS}


def lms_source_defaults(settings):
    """
    ``ENTERPRISE_EXPORT_LMS_SOURCE``: ``database`` when every app of ``LMS_TABLE_APPS`` is in
    ``INSTALLED_APPS`` (as its module or its AppConfig), else ``api``; and
    ``ENTERPRISE_EXPORT_LMS_DATABASE``: the alias it reads.
    """
    installed = getattr(settings, 'INSTALLED_APPS', ())
    inside_the_lms = all(any(entry == app or entry.startswith(f'{app}.') for entry in installed)
                         for app in LMS_TABLE_APPS)
    return {'ENTERPRISE_EXPORT_LMS_SOURCE': 'database' if inside_the_lms else 'api',
            'ENTERPRISE_EXPORT_LMS_DATABASE': lms_database_alias(getattr(settings, 'DATABASES', {}))}


def lms_database_alias(databases):
    """The LMS's read replica when ``databases`` has one, else ``default``."""
    return 'read_replica' if 'read_replica' in databases else 'default'
