"""
Rate limits: no 60-second window of a run holds more channel calls than the configuration's
``requests_per_minute`` (tokens included), and a 429 is waited out and the same record sent
again in the same run. Time is a fake clock: nothing here waits for real.
"""

import datetime
import email.utils
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from enterprise_export.clients.rate_limit import RateLimiter, retry_after_seconds
from enterprise_export.models import DegreedLearnerDataTransmissionAudit, SapSuccessFactorsLearnerDataTransmissionAudit
from test_utils.factories import DegreedConfigurationFactory, SAPConfigurationFactory
from test_utils.fake_channels import DEGREED, SAP
from test_utils.transmissions import END, RUN, add_learner, audit_rows, transmit

COMPLETIONS = f'{DEGREED}/api/v1/provider/completion/course'
TOKEN = f'{DEGREED}/oauth/token'


def busiest_window(times, window=60.0):
    """The most calls that any window ``[t, t + window)`` holds."""
    times = sorted(times)
    return max((sum(1 for other in times if start <= other < start + window) for start in times), default=0)


def answer_429(headers):
    response = requests.Response()
    response.status_code = 429
    response.headers.update(headers)
    return response


class TestRateLimiter:

    @pytest.mark.parametrize('limit', [1, 3, 7])
    def test_no_window_holds_more_than_the_limit(self, fake_clock, limit):
        limiter = RateLimiter(limit)
        times = []
        for _ in range(25):
            limiter.acquire()
            times.append(fake_clock.now())
        assert busiest_window(times) == limit
        # and no slower than that (each window kept a second longer, for the time calls take to arrive)
        assert times[-1] == pytest.approx(61.0 * ((25 - 1) // limit))

    def test_threads_share_the_limit(self, fake_clock):
        limiter = RateLimiter(5)
        times = []

        def call():
            limiter.acquire()
            times.append(fake_clock.now())

        with ThreadPoolExecutor(max_workers=4) as pool:
            for _ in range(40):
                pool.submit(call)
        assert len(times) == 40 and busiest_window(times) == 5

    def test_zero_is_no_limit(self, fake_clock):
        limiter = RateLimiter(0)
        for _ in range(1000):
            limiter.acquire()
        assert fake_clock.now() == 0.0

    def test_a_pause_holds_every_caller(self, fake_clock):
        limiter = RateLimiter(0)
        limiter.pause(12.5)
        limiter.pause(3)  # a shorter pause does not shorten the first
        limiter.acquire()
        assert fake_clock.now() == 12.5


@pytest.mark.parametrize(('headers', 'attempt', 'seconds'), [
    ({'Retry-After': '30'}, 1, 30.0),
    ({'Retry-After': '2.5'}, 1, 2.5),
    ({'X-Rate-Limit-Reset': '45'}, 1, 45.0),
    ({'Retry-After': 'soon', 'X-Rate-Limit-Reset': '7'}, 1, 7.0),
    ({}, 1, 1.0),
    ({}, 3, 4.0),
])
def test_how_long_a_429_asks_to_wait(headers, attempt, seconds):
    assert retry_after_seconds(answer_429(headers), attempt) == seconds


def test_a_429_wait_as_a_date_or_an_epoch_time():
    in_90_seconds = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=90)
    as_date = retry_after_seconds(answer_429({'Retry-After': email.utils.format_datetime(in_90_seconds,
                                                                                         usegmt=True)}))
    as_epoch = retry_after_seconds(answer_429({'X-Rate-Limit-Reset': str(int(in_90_seconds.timestamp()))}))
    assert 85 <= as_date <= 90 and 85 <= as_epoch <= 90


@pytest.mark.django_db
@pytest.mark.usefixtures('fixed_clock')
class TestChannelCalls:

    @pytest.fixture(autouse=True)
    def ended_course(self, lms):
        lms.add_course(RUN, pacing='self', end=END)

    def test_a_run_keeps_to_requests_per_minute_tokens_included(self, lms, http, channels, fake_clock, settings):
        # One at a time: with workers, a fake clock that others' sleeps move at once would stamp a
        # call passed at t with a later time. The limiter's threads are tested above.
        settings.ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY = 1
        configuration = SAPConfigurationFactory(requests_per_minute=4)
        for index in range(6):
            add_learner(configuration, lms, f'learner-{index}', sap=f'SAP-{index}')
        times = []
        original = channels.handle
        channels.handle = lambda channel, request: times.append(fake_clock.now()) or original(channel, request)
        result = transmit(configuration)
        assert result.sent == 6 and len(times) == 12  # a token per SAP user, and a completion each
        assert busiest_window(times) == 4
        assert len(audit_rows(SapSuccessFactorsLearnerDataTransmissionAudit)) == 6

    def test_a_429_is_waited_out_and_the_record_sent_in_the_same_run(self, lms, http, fake_clock):
        configuration = DegreedConfigurationFactory()
        enrollment = add_learner(configuration, lms, 'ada')
        http.add(http.POST, TOKEN, json={'access_token': 't', 'expires_in': 3600})
        http.add(http.POST, COMPLETIONS, status=429, body='slow down', headers={'Retry-After': '30'})
        http.add(http.POST, COMPLETIONS, status=429, body='slow down', headers={'X-Rate-Limit-Reset': '15'})
        http.add(http.POST, COMPLETIONS, status=200, json={})
        result = transmit(configuration)
        assert (result.sent, result.failed) == (1, 0)
        assert audit_rows(DegreedLearnerDataTransmissionAudit) == [(enrollment.id, 'edX+DemoX', 200, '', 'Pass')]
        sent = [json.loads(call.request.body) for call in http.calls if call.request.url == COMPLETIONS]
        assert len(sent) == 3 and sent[0] == sent[2]
        assert fake_clock.slept == 45.0

    def test_a_429_asking_for_longer_than_the_cap_fails_the_record(self, lms, http, fake_clock, settings):
        settings.ENTERPRISE_EXPORT_CHANNEL_MAX_WAIT = 120
        configuration = DegreedConfigurationFactory()
        add_learner(configuration, lms, 'ada')
        http.add(http.POST, TOKEN, json={'access_token': 't', 'expires_in': 3600})
        http.add(http.POST, COMPLETIONS, status=429, body='come back tomorrow', headers={'Retry-After': '86400'})
        result = transmit(configuration)
        assert result.failed == 2 and fake_clock.slept == 0.0
        assert {row[2:4] for row in audit_rows(DegreedLearnerDataTransmissionAudit)} == {(429, 'come back tomorrow')}

    def test_a_429_on_the_token_request_is_waited_out_too(self, lms, http, fake_clock):
        configuration = SAPConfigurationFactory()
        add_learner(configuration, lms, 'ada', sap='SAP-1')
        token_url = f'{SAP}/learning/oauth-api/rest/v1/token'
        http.add(http.POST, token_url, status=429, headers={'Retry-After': '5'})
        http.add(http.POST, token_url, json={'access_token': 't', 'expires_in': 3600})
        http.add(http.POST, f'{SAP}/learning/odatav4/public/admin/ocn/v1/current-user/item/learning-event', json={})
        assert transmit(configuration).sent == 1 and fake_clock.slept == 5.0
