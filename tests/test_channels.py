"""The registry: every per-channel fact in one place, and no other module naming a channel."""

import ast
from pathlib import Path

import pytest

from enterprise_export.channels import CHANNELS, channel_of, get_channel

PACKAGE = Path(__file__).resolve().parent.parent / 'enterprise_export'
# Where a channel may be named: the registry, the models and their migrations, and the channels' own modules.
CHANNEL_MODULES = {'channels.py', 'models.py', 'cornerstone.py', 'settings/common.py'} | {
    f'{folder}/{module}' for folder in ('exporters', 'clients', 'transmitters')
    for module in ('sap_success_factors.py', 'degreed.py', 'degreed2.py', 'cornerstone.py', 'xapi.py', 'webhook.py')}


def _channel_names():
    names = set(CHANNELS)
    for channel in CHANNELS.values():
        names |= {model.__name__ for model in (channel.configuration_model, channel.audit_model, channel.exporter_class,
                                                channel.transmitter_class, channel.client_class, channel.identity_model)
                  if model is not None}
    return names


def _named_channels(path):
    """The channel codes (as string constants) and channel classes (as names) a module's code mentions."""
    names, found = _channel_names(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in CHANNELS:
            found.add(node.value)
        elif isinstance(node, ast.Name) and node.id in names:
            found.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in names:
            found.add(node.attr)
    return found


def test_no_module_outside_the_registry_and_the_channels_own_names_a_channel():
    offenders = {}
    for path in sorted(PACKAGE.rglob('*.py')):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in CHANNEL_MODULES or relative.startswith('migrations/'):
            continue
        found = _named_channels(path)
        if found:
            offenders[relative] = sorted(found)
    assert offenders == {}


@pytest.mark.parametrize('code', list(CHANNELS))
def test_each_channels_parts_agree_on_its_audit_model(code):
    channel = get_channel(code)
    assert channel.transmitter_class.audit_model is channel.audit_model
    assert channel.exporter_class.audit_model is channel.audit_model
    assert channel.configuration_model.channel_code == channel.transmitter_class.channel_code == code
    assert channel_of(channel.audit_model) is channel is channel_of(channel.configuration_model)
    assert channel.identity_field in {field.name for field in channel.audit_model._meta.get_fields()}
