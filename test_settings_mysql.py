"""
The test settings on MySQL/MariaDB (``make test-mysql``): the same suite, another database.

The server is read from the environment (defaults: the one ``.ci/run`` starts on 127.0.0.1).
"""

import os

from test_settings import *  # noqa: F403

DATABASES = {'default': {
    'ENGINE': 'django.db.backends.mysql',
    'NAME': os.environ.get('ENTERPRISE_EXPORT_TEST_MYSQL_NAME', 'enterprise_export'),
    'USER': os.environ.get('ENTERPRISE_EXPORT_TEST_MYSQL_USER', 'ee'),
    'PASSWORD': os.environ.get('ENTERPRISE_EXPORT_TEST_MYSQL_PASSWORD', 'ee'),
    'HOST': os.environ.get('ENTERPRISE_EXPORT_TEST_MYSQL_HOST', '127.0.0.1'),
    'PORT': os.environ.get('ENTERPRISE_EXPORT_TEST_MYSQL_PORT', '3306'),
    # What Open edX runs: utf8mb4 and strict mode, so a too-long value is an error, not a truncation.
    'OPTIONS': {'charset': 'utf8mb4', 'init_command': "SET sql_mode='STRICT_TRANS_TABLES'"},
    'TEST': {'CHARSET': 'utf8mb4', 'COLLATION': 'utf8mb4_unicode_ci'},
}}
