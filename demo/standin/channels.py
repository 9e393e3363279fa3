"""
The channels' part of the stand-in: SAP SuccessFactors (the learner's and the admin path),
Degreed (v1 and v2), Cornerstone, an xAPI Learning Record Store and a webhook receiver.

Each checks credentials the way its channel does (SAP and Degreed: a Bearer token from their
OAuth endpoint; Cornerstone and the LRS: basic auth; the webhook: its signature, and its Bearer
token when one is set), keeps every completion it accepted in ``received[channel]``
(Cornerstone's with the callback path and session token), counts the tokens it issued, and
answers a failure to the completions a test or the demo chooses. Like a real LRS, the LRS answers
409 to a statement id it already holds (and keeps the first); the webhook receiver, as README's
receiver does, acknowledges an event id it already holds without keeping it twice. Both count
those in ``duplicates``; the completions answered 401 (credentials) are counted in ``unauthorized``.
"""

import base64
import hashlib
import hmac
import threading
import time
from collections import Counter, defaultdict

from demo.standin.http import Answer, not_found

SAP_TOKEN_PATH = '/learning/oauth-api/rest/v1/token'
SAP_COMPLETION_PATH = '/learning/odatav4/public/admin/ocn/v1/current-user/item/learning-event'
SAP_ADMIN_COMPLETION_PATH = '/learning/odatav4/public/admin/learningevent-service/v1/OCNLearningEvents'
DEGREED_TOKEN_PATH = '/oauth/token'
DEGREED_COMPLETION_PATH = '/api/v1/provider/completion/course'
DEGREED2_COMPLETION_PATH = '/api/v2/completions'
# The scope each Degreed API's token must be asked for.
DEGREED_SCOPES = {'DEGREED': 'provider_completion', 'DEGREED2': 'completions:write'}
CSOD_PROGRESS_SUFFIX = '/progress'
XAPI_STATEMENTS_PATH = '/statements'
# A webhook signature older than this is refused (a replay).
WEBHOOK_TOLERANCE_SECONDS = 300
# Every channel refuses (400, as to an unknown user) a completion whose body holds this: the demo's
# refused learner has it in their username, email, SAP user id and Cornerstone user guid
# (demo.population), so the demo shows a failed record with its reason on each channel.
REFUSED_LEARNER_MARKER = 'refused-learner'

DEFAULT_CREDENTIALS = {
    'SAP': ('sap-client-id', 'sap-client-secret'),
    'DEGREED': ('degreed-client-id', 'degreed-client-secret'),
    'DEGREED2': ('degreed2-client-id', 'degreed2-client-secret'),
    'CSOD': ('csod-user', 'csod-password'),
    'XAPI': ('lrs-user', 'lrs-password'),
    # The signing secret, and the Bearer token the receiver wants ('' : none).
    'WEBHOOK': ('whsec-0123456789abcdef0123456789abcdef', ''),
}


def basic_auth(user, password):
    return 'Basic ' + base64.b64encode(f'{user}:{password}'.encode()).decode()


class ChannelsStandIn:
    """The channels; ``handle(channel, request)`` answers a request under that channel's root."""

    def __init__(self, credentials=None):
        self.credentials = {**DEFAULT_CREDENTIALS, **(credentials or {})}
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        self.received = defaultdict(list)
        self.tokens = Counter()
        self.failures = []
        self.issued = {}
        self.duplicates = Counter()
        self.unauthorized = Counter()  # completions answered 401 (credentials), per channel

    def fail(self, channel, status, body='', when=lambda payload: True):
        """Answer ``status`` with ``body`` to the completions of ``channel`` for which ``when(payload)`` holds."""
        self.failures.append((channel, status, body, when))

    def handle(self, channel, request):
        if request.method != 'POST':
            return Answer(405, 'method not allowed')
        if channel == 'SAP':
            return self._sap(request)
        if channel in DEGREED_SCOPES:
            return self._degreed(channel, request)
        if channel == 'CSOD' and request.path.endswith(CSOD_PROGRESS_SUFFIX):
            authorized = request.header('Authorization') == basic_auth(*self.credentials['CSOD'])
            if authorized and not request.query.get('sessionToken'):
                return Answer(401, 'session expired')
            return self._completion('CSOD', request, authorized)
        if channel == 'XAPI' and request.path == XAPI_STATEMENTS_PATH:
            authorized = (request.header('Authorization') == basic_auth(*self.credentials['XAPI'])
                          and bool(request.header('X-Experience-API-Version')))
            return self._completion('XAPI', request, authorized)
        if channel == 'WEBHOOK':
            return self._completion('WEBHOOK', request, self._webhook_ok(request))
        return not_found()

    def _holds(self, channel, payload):
        """True when ``channel`` already holds an event of the payload's id (what it received is what it holds)."""
        event_id = payload.get('id') if isinstance(payload, dict) else None
        return event_id is not None and any(held.get('id') == event_id for held in self.received[channel])

    def _webhook_ok(self, request):
        """The signature is the receiver's secret's over ``{t}.{body}``, not too old; the Bearer token if one is set."""
        signing_secret, bearer_token = self.credentials['WEBHOOK']
        if bearer_token and request.header('Authorization') != f'Bearer {bearer_token}':
            return False
        try:
            header = request.header('Enterprise-Export-Signature') or ''
            parts = dict(item.split('=', 1) for item in header.split(','))
            timestamp = int(parts['t'])
        except (ValueError, KeyError):
            return False
        expected = hmac.new(signing_secret.encode(), f'{timestamp}.'.encode() + request.body,
                            hashlib.sha256).hexdigest()
        fresh = abs(time.time() - timestamp) <= WEBHOOK_TOLERANCE_SECONDS
        return fresh and hmac.compare_digest(expected, parts.get('v1', ''))

    def _sap(self, request):
        if request.path == SAP_TOKEN_PATH:
            return self._sap_token(request)
        if request.path == SAP_COMPLETION_PATH:
            return self._completion('SAP', request, self._bearer_ok('SAP', request))
        if request.path == SAP_ADMIN_COMPLETION_PATH:
            return self._completion('SAP', request, self._bearer_ok('SAP', request, for_learner=False))
        return not_found()

    def _degreed(self, channel, request):
        if request.path == DEGREED_TOKEN_PATH:
            return self._degreed_token(channel, request)
        completion_path = DEGREED_COMPLETION_PATH if channel == 'DEGREED' else DEGREED2_COMPLETION_PATH
        if request.path == completion_path:
            return self._completion(channel, request, self._bearer_ok(channel, request))
        return not_found()

    def _issue(self, channel, scope):
        # Named and registered under one lock: token requests that arrive together (SAP's, one per
        # learner) must never share a name, or the last one registered would own it.
        with self._lock:
            token = f'{channel.lower()}-token-{len(self.issued) + 1}'
            self.issued[token] = (channel, scope)
            self.tokens[channel] += 1
        return Answer(200, {'access_token': token, 'expires_in': 3600, 'token_type': 'Bearer'})

    def _sap_token(self, request):
        if request.header('Authorization') != basic_auth(*self.credentials['SAP']):
            return Answer(401, 'bad client')
        try:
            scope = request.json()['scope']
            user_id = scope['userId']
        except (ValueError, KeyError, TypeError):
            return Answer(400, 'bad token request')
        return self._issue('SAP', user_id)

    def _degreed_token(self, channel, request):
        form = request.form()
        if (form.get('client_id'), form.get('client_secret')) != self.credentials[channel]:
            return Answer(401, 'bad client')
        if form.get('grant_type') != 'client_credentials' or form.get('scope') != DEGREED_SCOPES[channel]:
            return Answer(400, 'bad scope')
        return self._issue(channel, DEGREED_SCOPES[channel])

    def _bearer_ok(self, channel, request, for_learner=True):
        """
        A Bearer token this stand-in issued for ``channel``; on SAP's learner path, issued for the
        learner the event is about (the admin path's token acts for the configuration's own user).
        """
        authorization = request.header('Authorization') or ''
        token = authorization.removeprefix('Bearer ')
        issued = self.issued.get(token)
        if not authorization.startswith('Bearer ') or issued is None or issued[0] != channel:
            return False
        if channel == 'SAP' and for_learner:  # a SAP token acts for one SAP user
            try:
                return request.json().get('userID') == issued[1]
            except (ValueError, AttributeError):
                return False
        return True

    def _completion(self, channel, request, authorized):
        if not authorized:
            with self._lock:
                self.unauthorized[channel] += 1
            return Answer(401, 'unauthorized')
        try:
            payload = request.json()
        except ValueError:
            return Answer(400, 'body is not JSON')
        if payload is None:
            return Answer(400, 'no completion in the body')
        if REFUSED_LEARNER_MARKER.encode() in request.body:
            return Answer(400, {'error': 'unknown user'})
        for failing_channel, status, body, when in list(self.failures):
            if failing_channel == channel and when(payload):
                return Answer(status, body)
        entry = payload
        if channel == 'CSOD':
            entry = {'url': f'{request.base_url}{request.path}?sessionToken={request.query["sessionToken"]}',
                     'payload': payload}
        with self._lock:
            if channel in ('XAPI', 'WEBHOOK') and self._holds(channel, payload):
                self.duplicates[channel] += 1
                return (Answer(409, f"statement {payload['id']} already exists") if channel == 'XAPI'
                        else Answer(200, {'status': 'duplicate'}))
            self.received[channel].append(entry)
        if channel == 'XAPI':
            return Answer(200, [payload.get('id')])
        return Answer(200, {'status': 'accepted'})
