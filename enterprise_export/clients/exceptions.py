"""Errors raised by the HTTP clients; each carries the ``response`` that caused it."""

from enterprise_export.failures import kind_of_status


class HttpError(Exception):
    """An API answered, but not with what was asked for."""

    reason = 'unexpected answer'

    def __init__(self, response, endpoint=''):
        self.response = response
        self.endpoint = endpoint
        self.status = getattr(response, 'status_code', None)
        where = f' from the {endpoint} API' if endpoint else ''
        super().__init__(f'{self.reason}{where} (HTTP {self.status})')


class HttpClientError(HttpError):
    """A 4xx answer."""

    reason = 'client error'


class HttpNotFoundError(HttpClientError):
    """A 404 answer, or a listing without the row that was asked for."""

    reason = 'not found'


class HttpServerError(HttpError):
    """A 5xx answer."""

    reason = 'server error'


class InvalidResponseError(HttpError):
    """A 2xx answer whose body is not the JSON the API promises."""

    reason = 'unreadable body'


class ListingStoppedError(InvalidResponseError):
    """
    A paginated listing stopped at a ``next`` link off the LMS: the rows before it were read,
    the rest are unknown. A learner the listing did not reach must be asked about on its own.
    """

    reason = 'listing stopped at a next link off the LMS'


def raise_for_status(response, endpoint=''):
    """Raise the error matching a 4xx or 5xx ``response``; do nothing for any other."""
    status = response.status_code
    if status == 404:
        raise HttpNotFoundError(response, endpoint)
    if 400 <= status < 500:
        raise HttpClientError(response, endpoint)
    if status >= 500:
        raise HttpServerError(response, endpoint)


class ChannelError(Exception):
    """
    A completion, or the token for it, did not reach the channel.

    ``status`` is the channel's HTTP status, or None when no answer came (network error,
    timeout); ``message`` is the answer's text or what happened, at most 1,000 characters;
    ``kind`` (a ``FailureKind``) is what an operator is told: by default what the status says
    (none: no answer; a 2xx: unreadable; any other: refused). Whoever knows better sets it.
    """

    MAX_MESSAGE = 1000

    def __init__(self, status, message, kind=None):
        self.kind = kind or kind_of_status(status)
        # A failed attempt never records a 2xx status (SPEC 11): a 2xx answer that could not be
        # used (a token answer without a token, say) is recorded as no usable answer.
        self.status = status if status is None or not 200 <= status < 300 else None
        self.message = str(message)[:self.MAX_MESSAGE]
        super().__init__(f'HTTP {self.status}' if self.status is not None else 'no answer')


class ChannelTokenError(ChannelError):
    """
    The channel gave no token: the record fails, and a refusal (``refused``) ends the run. A
    token answer without a usable token is of kind ``FailureKind.UNREADABLE_TOKEN``.
    """

    REFUSED_STATUSES = (400, 401, 403)

    @property
    def refused(self):
        """True when the channel refused the configuration's credentials (as opposed to being unreachable)."""
        return self.status in self.REFUSED_STATUSES


class ChannelStopError(ChannelError):
    """
    The channel's answer means no further record of the configuration may be sent (a webhook
    whose endpoint is gone): the record fails and the run stops with ``reason`` (records already
    in flight finish). An operator must act before the next run can do better.
    """

    def __init__(self, status, message, reason, kind=None):
        super().__init__(status, message, kind)
        self.reason = reason
