"""
The registry of channels: everything per channel, in one place.

Each channel code maps to its configuration and audit models, exporter, transmitter and
client, the audit field that names the learner at the channel, the model of learners'
identities it keeps (if any), and how edx-enterprise's integrated channel of the same kind is
taken over (SPEC 13). Adding a channel is one module in each of ``exporters/``, ``clients/``
and ``transmitters/``, its models and migration, and one entry here; no other module names a
channel.
"""

from collections.abc import Callable
from dataclasses import dataclass

from enterprise_export import cornerstone, models
from enterprise_export.clients.cornerstone import CornerstoneApiClient
from enterprise_export.clients.degreed import DegreedApiClient
from enterprise_export.clients.degreed2 import Degreed2ApiClient
from enterprise_export.clients.sap_success_factors import SapSuccessFactorsApiClient
from enterprise_export.clients.webhook import WebhookApiClient
from enterprise_export.clients.xapi import XAPIApiClient
from enterprise_export.exporters.cornerstone import CornerstoneLearnerExporter
from enterprise_export.exporters.degreed import DegreedLearnerExporter
from enterprise_export.exporters.degreed2 import Degreed2LearnerExporter
from enterprise_export.exporters.sap_success_factors import SapSuccessFactorsLearnerExporter
from enterprise_export.exporters.webhook import WebhookLearnerExporter
from enterprise_export.exporters.xapi import XAPILearnerExporter
from enterprise_export.transmitters.cornerstone import CornerstoneLearnerTransmitter
from enterprise_export.transmitters.degreed import DegreedLearnerTransmitter
from enterprise_export.transmitters.degreed2 import Degreed2LearnerTransmitter
from enterprise_export.transmitters.sap_success_factors import SapSuccessFactorsLearnerTransmitter
from enterprise_export.transmitters.webhook import WebhookLearnerTransmitter
from enterprise_export.transmitters.xapi import XAPILearnerTransmitter


class UnknownChannelError(KeyError):
    """No channel has this code."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code

    def __str__(self):
        return f"Unknown channel {self.code!r}; choose one of {', '.join(CHANNELS)}"


@dataclass(frozen=True)
class IntegratedChannel:
    """
    edx-enterprise's channel app of the same kind, as ``import_integrated_channels`` reads it
    (SPEC 13); its models are named, never imported.

    ``configuration_values(original, global_configuration)`` gives this app's configuration
    fields; ``audit_values(row, values)`` adds the channel's own fields to an imported audit
    row's ``values`` (None: a row this app would not have sent); ``import_extras(audits,
    known_enrollments, configuration, outcome)`` imports what else the channel keeps.
    """

    app_label: str
    configuration_model: str
    audit_model: str
    configuration_values: Callable
    audit_values: Callable
    global_model: str = ''
    import_extras: Callable | None = None


@dataclass(frozen=True)
class Channel:
    code: str
    name: str
    configuration_model: type
    audit_model: type
    exporter_class: type
    transmitter_class: type
    client_class: type
    identity_field: str  # the audit field that names the learner at the channel
    integrated_channel: IntegratedChannel | None = None
    identity_model: type | None = None  # learners' identities the channel keeps here (admin: listed)

    def build_exporter(self, user, configuration):
        return self.exporter_class(user, configuration)

    def build_transmitter(self, configuration):
        return self.transmitter_class(configuration, self.client_class(configuration))

    def active_configurations(self, enterprise_customer=None):
        """Active configurations of active customers (of ``enterprise_customer`` when given)."""
        configurations = self.configuration_model.objects.filter(
            active=True, enterprise_customer__active=True,
        ).select_related('enterprise_customer').order_by('pk')
        if enterprise_customer is not None:
            configurations = configurations.filter(enterprise_customer=enterprise_customer)
        return configurations


def _global_values(global_configuration, *names):
    """The named fields of edx-enterprise's global configuration that are set (else this app's defaults hold)."""
    return {name: getattr(global_configuration, name) for name in names
            if global_configuration is not None and getattr(global_configuration, name, '')}


def _sap_configuration(original, global_configuration):
    return {
        'sapsf_base_url': original.sapsf_base_url,
        'sapsf_company_id': original.sapsf_company_id,
        'key': original.decrypted_key or '',
        'secret': original.decrypted_secret or '',
        'user_type': original.user_type,
        'idp_id': original.idp_id,
        'transmit_total_hours': original.transmit_total_hours,
        'sapsf_user_id': original.sapsf_user_id,
        'prevent_self_submit_grades': original.prevent_self_submit_grades,
        **_global_values(global_configuration, 'provider_id', 'oauth_api_path', 'completion_status_api_path'),
    }


def _sap_audit(row, values):
    values.update(sapsf_user_id=row.sapsf_user_id, total_hours=row.total_hours)
    if row.sap_completed_timestamp is not None:
        values['completed_timestamp'] = row.sap_completed_timestamp
    return values


def _degreed_configuration(original, global_configuration):
    return {
        'degreed_base_url': original.degreed_base_url,
        'degreed_company_id': original.degreed_company_id,
        'key': original.key,
        'secret': original.secret,
        **_global_values(global_configuration, 'oauth_api_path', 'completion_status_api_path'),
    }


def _degreed2_configuration(original, _global_configuration):
    return {
        'degreed_base_url': original.degreed_base_url,
        'degreed_token_fetch_base_url': original.degreed_token_fetch_base_url,
        'client_id': original.decrypted_client_id or '',
        'client_secret': original.decrypted_client_secret or '',
    }


def _degreed_audit(row, values):
    # Degreed has no pass or fail and this app sends it completions only: a course-level row is
    # a completion, stored with the passing word this app's exporter gives it.
    if not values['subsection_id']:
        if not row.course_completed:
            return None
        values['grade'] = DegreedLearnerExporter.GRADE_PASSING
    values['degreed_user_email'] = row.degreed_user_email
    return values


def _cornerstone_configuration(original, global_configuration):
    return {
        'cornerstone_base_url': original.cornerstone_base_url,
        **_global_values(global_configuration, 'key', 'secret', 'completion_status_api_path'),
    }


def _cornerstone_audit(row, values):
    values['user_guid'] = row.user_guid
    return values


def _xapi_configuration(original, _global_configuration):
    # edx-enterprise's endpoint is the LRS's base, as ours is: statements at {endpoint}/statements.
    return {'lrs_endpoint': original.endpoint, 'version': original.version or '1.0.3',
            'key': original.key, 'secret': original.secret}


def _xapi_audit(row, values):
    # edx-enterprise sent passed learners' completions only, its row keeping the percent as the
    # grade: a completed row is stored with the passing word this app's exporter gives it.
    # Rows of its enrollment statements (not completed) are nothing this app sends.
    if not row.course_completed:
        return None
    values.update(grade=XAPILearnerExporter.GRADE_PASSING, statement_id='',
                  xapi_user_email=row.user_email or row.user.email or '')
    return values


CHANNELS = {channel.code: channel for channel in (
    Channel('SAP', 'SAP SuccessFactors', models.SAPSuccessFactorsEnterpriseCustomerConfiguration,
            models.SapSuccessFactorsLearnerDataTransmissionAudit,
            SapSuccessFactorsLearnerExporter, SapSuccessFactorsLearnerTransmitter, SapSuccessFactorsApiClient,
            identity_field='sapsf_user_id',
            integrated_channel=IntegratedChannel(
                'sap_success_factors', 'SAPSuccessFactorsEnterpriseCustomerConfiguration',
                'SapSuccessFactorsLearnerDataTransmissionAudit', _sap_configuration, _sap_audit,
                global_model='SAPSuccessFactorsGlobalConfiguration')),
    Channel('DEGREED', 'Degreed', models.DegreedEnterpriseCustomerConfiguration,
            models.DegreedLearnerDataTransmissionAudit,
            DegreedLearnerExporter, DegreedLearnerTransmitter, DegreedApiClient,
            identity_field='degreed_user_email',
            integrated_channel=IntegratedChannel(
                'degreed', 'DegreedEnterpriseCustomerConfiguration', 'DegreedLearnerDataTransmissionAudit',
                _degreed_configuration, _degreed_audit, global_model='DegreedGlobalConfiguration')),
    Channel('DEGREED2', 'Degreed v2', models.Degreed2EnterpriseCustomerConfiguration,
            models.Degreed2LearnerDataTransmissionAudit,
            Degreed2LearnerExporter, Degreed2LearnerTransmitter, Degreed2ApiClient,
            identity_field='degreed_user_email',
            integrated_channel=IntegratedChannel(
                'degreed2', 'Degreed2EnterpriseCustomerConfiguration', 'Degreed2LearnerDataTransmissionAudit',
                _degreed2_configuration, _degreed_audit)),
    Channel('CSOD', 'Cornerstone', models.CornerstoneEnterpriseCustomerConfiguration,
            models.CornerstoneLearnerDataTransmissionAudit,
            CornerstoneLearnerExporter, CornerstoneLearnerTransmitter, CornerstoneApiClient,
            identity_field='user_guid', identity_model=models.CornerstoneLearnerIdentity,
            integrated_channel=IntegratedChannel(
                'cornerstone', 'CornerstoneEnterpriseCustomerConfiguration',
                'CornerstoneLearnerDataTransmissionAudit', _cornerstone_configuration, _cornerstone_audit,
                global_model='CornerstoneGlobalConfiguration', import_extras=cornerstone.import_identities)),
    Channel('XAPI', 'xAPI (Learning Record Store)', models.XAPIEnterpriseCustomerConfiguration,
            models.XAPILearnerDataTransmissionAudit,
            XAPILearnerExporter, XAPILearnerTransmitter, XAPIApiClient,
            identity_field='xapi_user_email',
            integrated_channel=IntegratedChannel(
                'xapi', 'XAPILRSConfiguration', 'XAPILearnerDataTransmissionAudit',
                _xapi_configuration, _xapi_audit)),
    Channel('WEBHOOK', 'Webhook', models.WebhookEnterpriseCustomerConfiguration,
            models.WebhookLearnerDataTransmissionAudit,
            WebhookLearnerExporter, WebhookLearnerTransmitter, WebhookApiClient,
            identity_field='webhook_user_email'),
)}


def get_channel(code):
    """The channel of ``code`` (any case); ``UnknownChannelError`` when there is none."""
    try:
        return CHANNELS[str(code).upper()]
    except KeyError:
        raise UnknownChannelError(code) from None


def channel_of(model):
    """The channel whose configuration model or audit model is ``model``; None when there is none."""
    return next((channel for channel in CHANNELS.values()
                 if model in (channel.configuration_model, channel.audit_model)), None)
