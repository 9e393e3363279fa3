"""The Celery app of the test settings, made the way the LMS makes its own (the package makes none)."""

from celery import Celery

app = Celery('enterprise_export_tests')
app.config_from_object('django.conf:settings')
app.autodiscover_tasks()  # as the LMS does: finds enterprise_export.tasks among the installed apps
