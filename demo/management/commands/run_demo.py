"""
``manage.py run_demo``: start the stand-in, run ``transmit_learner_data`` against it, show what arrived.

Run after ``migrate`` and ``load_demo_data`` (``make demo`` does all three).
"""

import io
import json

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from demo.lms.rows import serve_rows
from demo.population import API_USERNAME, CUSTOMERS, channel_urls, point_configurations_at
from demo.standin.server import StandInServer
from enterprise_export.conf import get_setting

PAYLOADS_SHOWN = 2


def mask(value):
    """Keep the first character and the email domain; hide the rest."""
    text = str(value)
    local, at, domain = text.partition('@')
    return f'{local[:1]}***{at}{domain}' if at else f'{text[:1]}***'


def point_at(server):
    """Serve the LMS's rows from ``server``, set its faults, and point the LMS settings and the configurations at it."""
    serve_rows(server.lms)  # the LMS's answers from the rows the database source reads
    server.faults.configure(getattr(settings, 'DEMO_STANDIN', {}) or {})
    settings.LMS_ROOT_URL = settings.LMS_INTERNAL_ROOT_URL = f'{server.url}/lms'
    settings.BACKEND_SERVICE_EDX_OAUTH2_PROVIDER_URL = f'{server.url}/lms/oauth2'
    point_configurations_at(channel_urls(server.url))


def masked_payload(channel, payload):
    """The payload with the personal fields (email, remote id, user guid, session token) masked."""
    if channel == 'SAP':
        return {**payload, 'userID': mask(payload['userID'])}
    if channel == 'DEGREED':
        return {**payload, 'completions': [{**item, 'email': mask(item['email'])} for item in payload['completions']]}
    if channel == 'DEGREED2':
        attributes = payload['data']['attributes']
        return {'data': {'attributes': {**attributes, 'user-id': mask(attributes['user-id'])}}}
    if channel == 'XAPI':
        return {**payload, 'actor': {**payload['actor'], 'mbox': f"mailto:{mask(payload['actor']['mbox'][7:])}"}}
    if channel == 'WEBHOOK':
        return {**payload, 'learner': {**payload['learner'], 'email': mask(payload['learner']['email'])}}
    url, _, _token = payload['url'].partition('?sessionToken=')
    return {'url': f'{url}?sessionToken=***', 'payload': [{**item, 'userGuid': mask(item['userGuid'])}
                                                          for item in payload['payload']]}


class Command(BaseCommand):
    help = 'Start the LMS and channel stand-in, transmit every demo configuration, and show what was sent.'

    def handle(self, *args, **options):
        server = StandInServer(settings.BACKEND_SERVICE_EDX_OAUTH2_KEY, settings.BACKEND_SERVICE_EDX_OAUTH2_SECRET,
                               port=getattr(settings, 'DEMO_STANDIN_PORT', 0))
        with server:
            point_at(server)
            self.stdout.write(f'Stand-in for the LMS and the channels: {server.url}')
            self.stdout.write(f"LMS source: {get_setting('ENTERPRISE_EXPORT_LMS_SOURCE')} "
                              '(ENTERPRISE_EXPORT_LMS_SOURCE: "database" reads the LMS tables, '
                              '"api" asks the stand-in over HTTP)\n')
            output = io.StringIO()
            call_command('transmit_learner_data', '--api_user', API_USERNAME, stdout=output)
            self.stdout.write(output.getvalue())
            self._show_received(server)

    def _show_received(self, server):
        received = server.channels.received
        self.stdout.write('What each channel received:')
        for _slug, _name, channel in CUSTOMERS:
            duplicates = server.channels.duplicates[channel]
            again = f' ({duplicates} sent again and recognised by their id)' if duplicates else ''
            self.stdout.write(f'  {channel}: {len(received[channel])} completions{again}')
            for payload in received[channel][:PAYLOADS_SHOWN]:
                self.stdout.write(f'    {json.dumps(masked_payload(channel, payload))}')
        if not any(received.values()):
            self.stdout.write('Nothing new was sent: every completion had already been sent with the same grade '
                              '(see the audit rows in the admin or demo.sqlite3).')
        calls = dict(sorted(server.lms.calls.items()))
        self.stdout.write(f'LMS calls: {json.dumps(calls)}')
