"""
Settings of ``make demo``: a Django host of its own (as an LMS would be) with the app, the demo
app (the stand-in and its data) and an SQLite file.

The LMS URLs below are placeholders: ``run_demo`` starts the stand-in on a free port and
points the LMS settings and the demo channel configurations at it. ``make demo-admin`` serves the
admin and the API on 127.0.0.1:8000 (``demo_site``, with a stand-in of its own).
"""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = 'enterprise-export-demo-only'
DEBUG = False
USE_TZ = True
TIME_ZONE = 'UTC'
ROOT_URLCONF = 'demo.urls'
# make demo-admin serves the site here only (runserver 127.0.0.1:8000).
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']
STATIC_URL = 'static/'  # served by ``demo_site`` (runserver --insecure: DEBUG stays off)
DEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'

INSTALLED_APPS = [
    'django.contrib.admin',
    'django.contrib.auth',
    'django.contrib.contenttypes',
    'django.contrib.sessions',
    'django.contrib.messages',
    'django.contrib.staticfiles',  # the admin's and the browsable API's CSS and scripts (make demo-admin)
    'rest_framework',
    'enterprise_export',
    'demo.lms',  # the LMS's tables the database source reads (SPEC 18), made outside the LMS
    'demo',
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

DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': str(BASE_DIR / 'demo.sqlite3')}}
CACHES = {'default': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}

# Tasks run in the calling process (the LMS's Celery reads these names from Django's settings).
CELERY_ALWAYS_EAGER = True
BROKER_URL = 'memory://'

# Inside the LMS the exporter reads its tables (SPEC 18); here those of ``demo.lms``, whose rows
# the stand-in also serves over HTTP (set 'api' to ask it instead).
ENTERPRISE_EXPORT_LMS_SOURCE = 'database'

# The stand-ins of the LMS and the channels listen on 127.0.0.1 over plain http.
ENTERPRISE_EXPORT_ALLOW_LOOPBACK_HTTP = True

LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'console': {'class': 'logging.StreamHandler'}},
    'loggers': {'enterprise_export': {'handlers': ['console'], 'level': 'WARNING'}},
}
OPENEDX_TELEMETRY = []  # edx-django-utils: no New Relic here

LMS_ROOT_URL = 'http://127.0.0.1:0/lms'
LMS_INTERNAL_ROOT_URL = 'http://127.0.0.1:0/lms'
BACKEND_SERVICE_EDX_OAUTH2_PROVIDER_URL = 'http://127.0.0.1:0/lms/oauth2'
BACKEND_SERVICE_EDX_OAUTH2_KEY = 'demo-client-id'
BACKEND_SERVICE_EDX_OAUTH2_SECRET = 'demo-client-secret'

# The stand-in's faults, latency and rate limits for the demo run (see demo/standin/faults.py), e.g.
# {'latency_ms': {'lms': 5}, 'faults': [{'target': 'degreed', 'kind': '500', 'count': 1}]}.
# The channels' published rate limits are on, as the configurations' requests_per_minute defaults.
DEMO_STANDIN = {'latency_ms': {}, 'faults': [], 'rate_limits': {
    'sap': {'per_minute': 100}, 'degreed': {'per_minute': 70}, 'degreed2': {'per_minute': 70}}}
# 0: a free port.
DEMO_STANDIN_PORT = 0

from demo.celery_app import app as celery_app  # noqa: E402,F401 - the host makes the Celery app, as the LMS does
