"""
Settings of ``make demo``: the test settings plus the demo app and an SQLite file.

The LMS URLs below are placeholders: ``run_demo`` starts the stand-in on a free port and
points the LMS settings and the demo channel configurations at it.
"""

from pathlib import Path

from test_settings import *  # noqa: F403 - the demo runs on the test settings, with these changes

BASE_DIR = Path(__file__).resolve().parent.parent

INSTALLED_APPS = INSTALLED_APPS + ['demo']  # noqa: F405
DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': str(BASE_DIR / 'demo.sqlite3')}}

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
