"""
Settings of the processes the real-server tests start (commands, Celery workers): the demo
settings on a database, stand-in and broker given through the environment, so that the
processes share nothing but the database (and the broker).

    ENTERPRISE_EXPORT_IT_DATABASE   the DATABASES['default'] entry, as JSON (required)
    ENTERPRISE_EXPORT_IT_STANDIN    the stand-in's URL (LMS under /lms)
    ENTERPRISE_EXPORT_IT_BROKER     a Redis URL: tasks go to real workers (else they run eagerly)
    ENTERPRISE_EXPORT_IT_SETTINGS   more settings, as a JSON object (e.g. lock or retry settings)
"""

import json
import os

from demo.settings import *  # noqa: F403

DATABASES = {'default': json.loads(os.environ['ENTERPRISE_EXPORT_IT_DATABASE'])}

_standin = os.environ.get('ENTERPRISE_EXPORT_IT_STANDIN')
if _standin:
    LMS_ROOT_URL = LMS_INTERNAL_ROOT_URL = f'{_standin}/lms'
    BACKEND_SERVICE_EDX_OAUTH2_PROVIDER_URL = f'{_standin}/lms/oauth2'

_broker = os.environ.get('ENTERPRISE_EXPORT_IT_BROKER')
if _broker:
    # The setting names the LMS's Celery reads (config_from_object without a namespace).
    CELERY_ALWAYS_EAGER = False
    BROKER_URL = _broker
    CELERY_RESULT_BACKEND = _broker
    CELERY_TASK_SERIALIZER = CELERY_RESULT_SERIALIZER = 'json'

globals().update(json.loads(os.environ.get('ENTERPRISE_EXPORT_IT_SETTINGS') or '{}'))

LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'console': {'class': 'logging.StreamHandler'}},
    'loggers': {'enterprise_export': {'handlers': ['console'], 'level': 'WARNING'}},
}
