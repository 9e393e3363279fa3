"""
``make demo``'s commands: the refused learner fails on every channel (SPEC 21: the pages have a
failed record to show) while the others are sent, and ``make demo-admin``'s users. The demo app
is not installed in the test settings: its commands are called as command objects.
"""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from demo.management.commands import demo_admin_users, load_demo_data, run_demo
from demo.management.commands.demo_admin_users import ADMIN, SEND_AGAIN_USER
from demo.population import CUSTOMERS
from enterprise_export import audits
from enterprise_export.channels import CHANNELS
from enterprise_export.failures import BY_STATUS

pytestmark = pytest.mark.django_db
LEARNERS = 12  # per customer: one of each case, and the refused learner


def summary_rows(output):
    """``{channel: (sent, skipped, failed)}`` from the summary table ``run_demo`` prints."""
    rows = {}
    for line in output.splitlines():
        fields = line.split()
        if fields and fields[0] in CHANNELS and len(fields) >= 6 and fields[3].isdigit():
            rows[fields[0]] = tuple(int(value) for value in fields[3:6])
    return rows


def test_the_demo_shows_a_failed_record_on_each_channel_and_sends_the_rest(settings):
    settings.ENTERPRISE_EXPORT_CHANNEL_RETRIES = 0  # also keeps run_demo's changes to the LMS settings in this test
    loaded = io.StringIO()
    call_command(load_demo_data.Command(), '--learners-per-customer', str(LEARNERS), stdout=loaded)
    assert f'{LEARNERS} learners each and one whom every channel refuses ({(LEARNERS + 1) * len(CUSTOMERS)} in all)' \
        in loaded.getvalue()
    output = io.StringIO()
    call_command(run_demo.Command(), stdout=output)

    rows = summary_rows(output.getvalue())
    assert set(rows) == {channel for _slug, _name, channel in CUSTOMERS}, output.getvalue()
    for channel, (sent, _skipped, failed) in rows.items():
        assert sent > 0 and failed >= 1, (channel, output.getvalue())
        failed_rows = CHANNELS[channel].audit_model.objects.exclude(audits.sent_q(CHANNELS[channel].audit_model))
        assert failed_rows.count() == failed
        assert {audits.failure_reason(row.status, row.error_message, row.failure_kind) for row in failed_rows} == {
            BY_STATUS[400]}


def test_the_demo_site_users_are_made_once_and_print_how_to_log_in():
    for _ in range(2):
        output = io.StringIO()
        call_command(demo_admin_users.Command(), stdout=output)
    lines = output.getvalue().splitlines()
    assert f'username: {ADMIN[0]}' in lines and f'password: {ADMIN[1]}' in lines
    users = get_user_model().objects.filter(username__in=[ADMIN[0], SEND_AGAIN_USER[0]])
    assert users.count() == 2
    admin, support = users.get(username=ADMIN[0]), users.get(username=SEND_AGAIN_USER[0])
    assert admin.is_superuser and admin.check_password(ADMIN[1])
    assert support.is_staff and not support.is_superuser and support.check_password(SEND_AGAIN_USER[1])
    permissions = set(support.get_all_permissions())
    assert 'enterprise_export.send_again' in permissions
    assert 'enterprise_export.view_transmissionrun' in permissions
    assert all(permission.startswith('enterprise_export.view_') for permission in permissions - {
        'enterprise_export.send_again'}), permissions
