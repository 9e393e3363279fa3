"""
Settings of the benchmark's export processes: the demo's host (``demo.settings``: the app, the
demo app whose stand-in the benchmarks run), an SQLite file and the stand-in given in the environment.
"""

import os

from demo.settings import *  # noqa: F403 - the benchmark runs the demo's host, with these changes

# WAL without an fsync per commit: the transmitter commits each audit row as its answer comes in,
# and SQLite's default journal pays a disk flush (about 11 ms here) for each, which would measure
# this machine's disk rather than the app (MySQL's group commit is another matter: README).
DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': os.environ.get('BENCH_DB', ':memory:'),
                         'OPTIONS': {'init_command': 'PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;'}}}
_STANDIN = os.environ.get('BENCH_STANDIN_URL', 'http://127.0.0.1:0')
LMS_ROOT_URL = LMS_INTERNAL_ROOT_URL = f'{_STANDIN}/lms'
BACKEND_SERVICE_EDX_OAUTH2_PROVIDER_URL = f'{_STANDIN}/lms/oauth2'
LOGGING = {'version': 1, 'disable_existing_loggers': False,
           'loggers': {'enterprise_export': {'level': 'CRITICAL'}}}
BACKEND_SERVICE_EDX_OAUTH2_KEY = 'bench-client-id'  # benchmarks.standin_process.CLIENT
BACKEND_SERVICE_EDX_OAUTH2_SECRET = 'bench-client-secret'
# The benchmarks' LMS is the stand-in process over HTTP (bench_sources.py asks for the database source itself).
ENTERPRISE_EXPORT_LMS_SOURCE = 'api'
