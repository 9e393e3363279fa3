"""Settings for the test suite and ``manage.py``: SQLite in memory, eager Celery, a fake LMS host."""

SECRET_KEY = 'enterprise-export-tests-only'
DEBUG = False
USE_TZ = True
TIME_ZONE = 'UTC'
ROOT_URLCONF = 'test_urls'
DEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'

INSTALLED_APPS = [
    'django.contrib.admin',
    'django.contrib.auth',
    'django.contrib.contenttypes',
    'django.contrib.sessions',
    'django.contrib.messages',
    'rest_framework',
    'enterprise_export',
    'demo.lms',  # the LMS's tables the database source reads (SPEC 18), made outside the LMS
]

MIDDLEWARE = [
    'django.contrib.sessions.middleware.SessionMiddleware',
    'django.middleware.common.CommonMiddleware',
    'django.middleware.csrf.CsrfViewMiddleware',
    'django.contrib.auth.middleware.AuthenticationMiddleware',
    'django.contrib.messages.middleware.MessageMiddleware',
]

TEMPLATES = [{
    'BACKEND': 'django.template.backends.django.DjangoTemplates',
    'APP_DIRS': True,
    'OPTIONS': {'context_processors': [
        'django.template.context_processors.request',
        'django.contrib.auth.context_processors.auth',
        'django.contrib.messages.context_processors.messages',
    ]},
}]

DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': ':memory:'}}
CACHES = {'default': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}

# The LMS the clients talk to; tests fake it with `responses`.
LMS_ROOT_URL = 'http://lms.example.com'
LMS_INTERNAL_ROOT_URL = 'http://lms.internal'
BACKEND_SERVICE_EDX_OAUTH2_PROVIDER_URL = 'http://lms.internal/oauth2'
BACKEND_SERVICE_EDX_OAUTH2_KEY = 'enterprise-export-key'
BACKEND_SERVICE_EDX_OAUTH2_SECRET = 'enterprise-export-secret'
# The stand-ins of the channels and the LMS listen on 127.0.0.1 over plain http.
ENTERPRISE_EXPORT_ALLOW_LOOPBACK_HTTP = True

# Celery runs tasks in the calling process, as the LMS's test settings do (the LMS's Celery
# reads the old setting names from Django's settings).
CELERY_ALWAYS_EAGER = True
BROKER_URL = 'memory://'

# JWTs as the LMS issues them (edx-drf-extensions' JwtAuthentication); tests sign with this secret.
JWT_AUTH = {
    'JWT_AUTH_HEADER_PREFIX': 'JWT',
    'JWT_DECODE_HANDLER': 'edx_rest_framework_extensions.auth.jwt.decoder.jwt_decode_handler',
    'JWT_ISSUERS': [{'ISSUER': 'http://lms.example.com/oauth2', 'AUDIENCE': 'enterprise-export-tests',
                     'SECRET_KEY': 'enterprise-export-jwt-tests-only'}],
    'JWT_ISSUER': 'http://lms.example.com/oauth2',
    'JWT_AUDIENCE': 'enterprise-export-tests',
    'JWT_SECRET_KEY': 'enterprise-export-jwt-tests-only',
    'JWT_ALGORITHM': 'HS256',
}

LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'console': {'class': 'logging.StreamHandler'}},
    'loggers': {'enterprise_export': {'handlers': ['console'], 'level': 'WARNING'}},
}
OPENEDX_TELEMETRY = []  # edx-django-utils: no New Relic here

from test_celery import app as celery_app  # noqa: E402,F401 - the host makes the Celery app, as the LMS does
