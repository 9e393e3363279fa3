"""
Learners of SAP's own path each get their own token from the stand-in, however many ask at once.

The load test once failed on three SAP learners (``SAP-01442``, ``SAP-01450``, ``SAP-01454``)
none of whose records was injected a fault: their audit rows said failed (HTTP 401, 6 records
more than the usual 50 failed, 3 fewer sent), which was true, since the stand-in never took
their completions. The stand-in chose a token's name (``sap-token-<how many issued + 1>``)
before taking its lock, so token requests arriving together while the lock was busy (an LRS or
webhook completion holds it while it looks for a duplicate) got the same name; the last one
registered owned it, and the other learners' completions carrying it were refused as another
SAP user's token. A real SAP never gives two users one token: the stand-in must not either.
"""

import threading
import time

import pytest

from enterprise_export.clients.exceptions import ChannelError
from enterprise_export.clients.sap_success_factors import SapSuccessFactorsApiClient
from test_utils.factories import SAPConfigurationFactory

LEARNERS = ['SAP-01442', 'SAP-01446', 'SAP-01450', 'SAP-01454']


class CountingLock:
    """A lock that counts who asked for it, so that the test knows when every request is waiting on it."""

    def __init__(self):
        self._lock = threading.Lock()
        self._count_lock = threading.Lock()
        self.asked = 0

    def acquire(self, *args, **kwargs):
        with self._count_lock:
            self.asked += 1
        return self._lock.acquire(*args, **kwargs)

    def release(self):
        self._lock.release()

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc_info):
        self.release()


def wait_until(condition, timeout=10):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, 'timed out'
        time.sleep(0.01)


@pytest.mark.django_db
def test_learners_asking_for_tokens_together_each_get_their_own(standin, settings):
    settings.ENTERPRISE_EXPORT_CHANNEL_RETRIES = 0
    configuration = SAPConfigurationFactory(sapsf_base_url=f'{standin.url}/sap')
    busy = standin.channels._lock = CountingLock()
    answers = {}

    def send(user_id):
        # A client each: its token lock is its own, so every token request reaches the stand-in at once.
        client = SapSuccessFactorsApiClient(configuration)
        payload = {'userID': user_id, 'courseID': 'DemoX+Leadership', 'providerID': 'EDX',
                   'courseCompleted': 'true', 'completedTimestamp': 1778837400000, 'grade': 'Pass',
                   'totalHours': 6.0}
        try:
            answers[user_id] = client.create_course_completion(user_id, payload)
        except ChannelError as error:
            answers[user_id] = error.status

    threads = [threading.Thread(target=send, args=(user_id,)) for user_id in LEARNERS]
    with busy:  # another party's completion holds the stand-in's lock while the token requests arrive
        for thread in threads:
            thread.start()
        wait_until(lambda: busy.asked == 1 + len(LEARNERS))
    for thread in threads:
        thread.join(30)

    assert answers == dict.fromkeys(LEARNERS, 200)
    assert sorted(payload['userID'] for payload in standin.channels.received['SAP']) == LEARNERS
    assert len(standin.channels.issued) == standin.channels.tokens['SAP'] == len(LEARNERS)
    assert not standin.channels.unauthorized
