"""Django application configuration of enterprise_export."""

from django.apps import AppConfig


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

    def ready(self):
        from enterprise_export.signals import connect_openedx_events

        connect_openedx_events()
