"""The app that creates the LMS's tables outside the LMS."""

from django.apps import AppConfig


class DemoLmsConfig(AppConfig):
    name = 'demo.lms'
    label = 'demo_lms'
    verbose_name = 'LMS tables (stand-in)'
    default_auto_field = 'django.db.models.AutoField'
