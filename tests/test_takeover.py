"""The takeover command where edx-enterprise is not installed (its real tests: tests/edx_enterprise/)."""

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command


@pytest.mark.skipif(apps.is_installed('integrated_channels.degreed'),
                    reason="edx-enterprise's channel apps are installed here")
def test_without_edx_enterprises_channel_apps_the_import_says_so():
    with pytest.raises(CommandError, match="None of edx-enterprise's integrated-channels apps"):
        call_command('import_integrated_channels', '--dry-run')


def test_an_unknown_channel_is_refused():
    with pytest.raises(CommandError, match='Unknown channel'):
        call_command('import_integrated_channels', '--channel', 'moodle')
