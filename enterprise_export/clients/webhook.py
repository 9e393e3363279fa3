"""The webhook client: a signed JSON event per POST, an optional Bearer token."""

import hashlib
import hmac
import time

from enterprise_export.clients.channel import ChannelApiClient
from enterprise_export.clients.exceptions import ChannelError, ChannelStopError

EVENT_ID_HEADER = 'Enterprise-Export-Event-Id'
SIGNATURE_HEADER = 'Enterprise-Export-Signature'
GONE = 410
GONE_REASON = 'webhook endpoint gone (HTTP 410)'


def signature(signing_secret, timestamp, body):
    """The signature header's value: ``t=<timestamp>,v1=<hex HMAC-SHA256 of "{t}.{body}">``."""
    digest = hmac.new(signing_secret.encode(), f'{timestamp}.'.encode() + body, hashlib.sha256).hexdigest()
    return f't={timestamp},v1={digest}'


class WebhookApiClient(ChannelApiClient):
    """Talks to one customer's webhook receiver."""

    channel_code = 'WEBHOOK'
    clock = staticmethod(time.time)

    def create_course_completion(self, event_id, body):
        """
        POST ``body`` (the event's JSON, as bytes) signed now; return the (2xx) HTTP status.

        A 410 raises ``ChannelStopError``: the receiver is gone, no further record is sent.
        """
        configuration = self.enterprise_configuration
        headers = {
            'Content-Type': 'application/json',
            EVENT_ID_HEADER: event_id,
            SIGNATURE_HEADER: signature(configuration.signing_secret, int(self.clock()), body),
        }
        if configuration.bearer_token:
            headers['Authorization'] = f'Bearer {configuration.bearer_token}'
        try:
            return self.post(configuration.url, data=body, headers=headers).status_code
        except ChannelError as error:
            if error.status == GONE:
                raise ChannelStopError(error.status, error.message, GONE_REASON, error.kind) from error
            raise
