"""Fixtures shared by the whole suite."""

import os
from types import SimpleNamespace

import pytest
import responses
import time_machine
from edx_django_utils.cache import TieredCache

from demo.standin.server import StandInServer
from test_utils.factories import (
    DegreedConfigurationFactory,
    EnterpriseCustomerFactory,
    UserFactory,
    consenting_enrollment,
)
from test_utils.fake_channels import FakeChannels
from test_utils.fake_clock import FakeClock
from test_utils.fake_lms import FakeLms
from test_utils.transmissions import NOW, RUN


@pytest.fixture(autouse=True)
def clear_caches():
    """The LMS token lives in TieredCache (request cache and Django cache): start every test without it."""
    TieredCache.dangerous_clear_all_tiers()
    yield
    TieredCache.dangerous_clear_all_tiers()


@pytest.fixture
def http():
    """Every HTTP call of the test goes to `responses`; an unexpected URL fails the call."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def lms(http):
    return FakeLms(http)


@pytest.fixture
def customer(db):
    return EnterpriseCustomerFactory()


@pytest.fixture
def api_user(db):
    return UserFactory(username='api_worker')


@pytest.fixture
def staff_client(client):
    """The test client, logged in as a superuser (the admin's pages)."""
    client.force_login(UserFactory(username='operator', is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def degreed(lms, api_user):
    """One Degreed configuration with three learners (ada, bob, cy) who passed ``RUN``."""
    lms.add_course(RUN, pacing='self', end=None)
    configuration = DegreedConfigurationFactory()
    for name in ('ada', 'bob', 'cy'):
        consenting_enrollment(configuration.enterprise_customer, RUN, user=UserFactory(username=name))
        lms.learner(name, RUN, passed=True)
    return configuration


@pytest.fixture
def configuration(customer):
    """The generic exporter needs only these three attributes of a configuration."""
    return SimpleNamespace(enterprise_customer=customer, transmission_chunk_size=500, id=1)


@pytest.fixture
def channels(http):
    return FakeChannels(http)


@pytest.fixture
def standin(settings):
    """The demo stand-in over real HTTP on a free port, with the LMS settings pointing at it."""
    server = StandInServer(settings.BACKEND_SERVICE_EDX_OAUTH2_KEY, settings.BACKEND_SERVICE_EDX_OAUTH2_SECRET)
    with server:
        settings.LMS_INTERNAL_ROOT_URL = f'{server.url}/lms'
        settings.BACKEND_SERVICE_EDX_OAUTH2_PROVIDER_URL = f'{server.url}/lms/oauth2'
        yield server


def pytest_collection_modifyitems(config, items):
    """On MySQL/MariaDB settings with no server to reach: skip every test, or fail in CI."""
    from django.conf import settings  # noqa: PLC0415 - configured by pytest-django by now

    database = settings.DATABASES['default']
    if 'mysql' not in database['ENGINE']:
        return
    reason = _mysql_unreachable(database)
    if reason is None:
        return
    if os.environ.get('CI') == 'true':
        raise pytest.UsageError(f'{reason} (CI must have it: see .ci/run)')
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        item.add_marker(skip)


def _mysql_unreachable(database):
    """Why the MySQL/MariaDB server of ``database`` cannot be used, or None when it can."""
    try:
        import MySQLdb  # noqa: PLC0415
    except ImportError:
        return 'mysqlclient is not installed (make servers-venv)'
    try:
        MySQLdb.connect(host=database['HOST'], port=int(database['PORT']), user=database['USER'],
                        passwd=database['PASSWORD'], connect_timeout=3).close()
    except MySQLdb.Error as error:
        return f"MySQL/MariaDB at {database['HOST']}:{database['PORT']} unreachable: {error.args[-1]}"
    return None


@pytest.fixture
def fixed_clock(settings):
    """The transmission tests' moment (``test_utils.transmissions.NOW``), and no channel retries."""
    settings.ENTERPRISE_EXPORT_CHANNEL_RETRIES = 0
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def fake_clock(monkeypatch):
    """The rate limiter's clock, moved only by its sleeps (429 waits, full windows)."""
    clock = FakeClock()
    monkeypatch.setattr('enterprise_export.clients.rate_limit.CLOCK', clock)
    return clock
