"""
Fake SAP SuccessFactors, Degreed and Cornerstone endpoints for the tests, served through ``responses``.

They check the credentials the way the channels do, keep every completion they received
(``received[channel]``: the request's JSON, plus ``url`` for Cornerstone), count the tokens
they issued, and answer a failure for the payloads a test chooses.
"""

import base64
import json
import re
from collections import Counter, defaultdict
from urllib.parse import parse_qs

import responses

SAP = 'https://sap.example.com'
DEGREED = 'https://degreed.example.com'
CSOD = re.compile(r'https://(?P<subdomain>[a-z0-9-]+)\.csod\.example\.com/(?P<path>.*)')


def basic_auth(user, password):
    return 'Basic ' + base64.b64encode(f'{user}:{password}'.encode()).decode()


class FakeChannels:

    def __init__(self, mock):
        self.received = defaultdict(list)
        self.tokens = Counter()
        self.failures = []
        mock.add_callback(responses.POST, f'{SAP}/learning/oauth-api/rest/v1/token', callback=self._sap_token)
        mock.add_callback(
            responses.POST, f'{SAP}/learning/odatav4/public/admin/ocn/v1/current-user/item/learning-event',
            callback=self._completion('SAP', 'Bearer sap-token-'),
        )
        mock.add_callback(responses.POST, f'{DEGREED}/oauth/token', callback=self._degreed_token)
        mock.add_callback(responses.POST, f'{DEGREED}/api/v1/provider/completion/course',
                          callback=self._completion('DEGREED', 'Bearer degreed-token'))
        mock.add_callback(responses.POST, CSOD, callback=self._completion('CSOD', basic_auth('csod-user',
                                                                                             'csod-password')))

    def fail(self, channel, status, body='', when=lambda payload: True):
        """Answer ``status`` with ``body`` to the completions of ``channel`` for which ``when(payload)`` holds."""
        self.failures.append((channel, status, body, when))

    def _sap_token(self, request):
        body = json.loads(request.body)
        if request.headers.get('Authorization') != basic_auth('sap-client-id', 'sap-client-secret'):
            return 401, {}, 'bad client'
        self.tokens['SAP'] += 1
        user_id = body['scope']['userId']
        return 200, {}, json.dumps({'access_token': f'sap-token-{user_id}', 'expires_in': 3600})

    def _degreed_token(self, request):
        form = {key: values[0] for key, values in parse_qs(request.body).items()}
        if (form.get('client_id'), form.get('client_secret')) != ('degreed-client-id', 'degreed-client-secret'):
            return 401, {}, 'bad client'
        self.tokens['DEGREED'] += 1
        return 200, {}, json.dumps({'access_token': 'degreed-token', 'expires_in': 3600})

    def _completion(self, channel, expected_auth):
        def receive(request):
            if not request.headers.get('Authorization', '').startswith(expected_auth):
                return 401, {}, 'unauthorized'
            payload = json.loads(request.body)
            for failing_channel, status, body, when in self.failures:
                if failing_channel == channel and when(payload):
                    return status, {}, body
            if channel == 'CSOD':
                self.received[channel].append({'url': request.url, 'payload': payload})
            else:
                self.received[channel].append(payload)
            return 200, {}, json.dumps({'ok': True})
        return receive
