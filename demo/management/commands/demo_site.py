"""
``manage.py demo_site [addrport]``: the demo's admin and API, with the stand-in of the LMS and the
channels in the same process (``make demo-admin``, on 127.0.0.1:8000).

It is Django's ``runserver`` with the static files served (``--insecure``: ``DEBUG`` stays off)
and without the autoreloader (the stand-in lives in this process): the stand-in starts on a free
port first and the configurations point at it, as ``run_demo`` does, so that "send again" in
the admin reaches the channels and the refused learner is refused again. Stop it with Ctrl-C.
"""

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as StaticRunserverCommand

from demo.management.commands.run_demo import point_at
from demo.standin.server import StandInServer


class Command(StaticRunserverCommand):
    help = ("Serve the demo's admin and API (runserver, static files served) with the LMS and channel "
            'stand-in running in the same process.')

    def handle(self, *args, **options):
        options.update(use_reloader=False, insecure_serving=True)
        standin = StandInServer(settings.BACKEND_SERVICE_EDX_OAUTH2_KEY,
                                settings.BACKEND_SERVICE_EDX_OAUTH2_SECRET).start()
        try:
            point_at(standin)
            self.stdout.write(f'Stand-in for the LMS and the channels: {standin.url} ("send again" reaches it)')
            super().handle(*args, **options)
        finally:
            standin.stop()
