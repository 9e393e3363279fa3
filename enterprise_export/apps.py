"""Django application configuration of enterprise_export."""

from django.apps import AppConfig
from django.conf import settings

from enterprise_export.settings.common import set_missing, source_model_defaults


class EnterpriseExportConfig(AppConfig):
    """The enterprise_export app; ``plugin_app`` lets the LMS install it through its entry point."""

    name = 'enterprise_export'
    label = 'enterprise_export'
    verbose_name = 'Enterprise learner data export'
    default_auto_field = 'django.db.models.BigAutoField'

    plugin_app = {
        'url_config': {
            'lms.djangoapp': {
                'namespace': 'enterprise_export',
                'regex': r'^enterprise-export/',
                'relative_path': 'urls',
            },
        },
        'settings_config': {
            'lms.djangoapp': {
                'common': {'relative_path': 'settings.common'},
            },
        },
    }

    def __init__(self, app_name, app_module):
        super().__init__(app_name, app_module)
        # The models' Meta.swappable and the migrations read the source-model settings when the
        # models are imported, after every AppConfig is built: a host that never called
        # plugin_settings (tests, a plain Django project) gets them here.
        set_missing(settings, source_model_defaults(settings))

    def ready(self):
        from enterprise_export.signals import connect_openedx_events

        connect_openedx_events()
