"""The demo app (only in ``demo.settings``)."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = 'demo'
    label = 'enterprise_export_demo'
    verbose_name = 'enterprise_export demo'
