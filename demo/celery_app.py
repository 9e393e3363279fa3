"""The demo site's Celery app, made the way the LMS makes its own (the package makes none)."""

from celery import Celery

app = Celery('enterprise_export_demo')
app.config_from_object('django.conf:settings')
app.autodiscover_tasks()  # as the LMS does: finds enterprise_export.tasks among the installed apps
