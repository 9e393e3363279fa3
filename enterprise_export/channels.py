"""
The registry of channels: each channel code mapped to its configuration model, exporter,
transmitter and client. Adding a channel is one module in each of ``exporters/``,
``clients/`` and ``transmitters/``, its models, and one line here.
"""

from dataclasses import dataclass

from enterprise_export import models
from enterprise_export.clients.cornerstone import CornerstoneApiClient
from enterprise_export.clients.degreed import DegreedApiClient
from enterprise_export.clients.degreed2 import Degreed2ApiClient
from enterprise_export.clients.sap_success_factors import SapSuccessFactorsApiClient
from enterprise_export.exporters.cornerstone import CornerstoneLearnerExporter
from enterprise_export.exporters.degreed import DegreedLearnerExporter
from enterprise_export.exporters.degreed2 import Degreed2LearnerExporter
from enterprise_export.exporters.sap_success_factors import SapSuccessFactorsLearnerExporter
from enterprise_export.transmitters.cornerstone import CornerstoneLearnerTransmitter
from enterprise_export.transmitters.degreed import DegreedLearnerTransmitter
from enterprise_export.transmitters.degreed2 import Degreed2LearnerTransmitter
from enterprise_export.transmitters.sap_success_factors import SapSuccessFactorsLearnerTransmitter


class UnknownChannelError(KeyError):
    """No channel has this code."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code

    def __str__(self):
        return f"Unknown channel {self.code!r}; choose one of {', '.join(CHANNELS)}"


@dataclass(frozen=True)
class Channel:
    code: str
    name: str
    configuration_model: type
    exporter_class: type
    transmitter_class: type
    client_class: type

    @property
    def audit_model(self):
        """The model of this channel's audit rows (its transmitter's)."""
        return self.transmitter_class.audit_model

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


CHANNELS = {channel.code: channel for channel in (
    Channel('SAP', 'SAP SuccessFactors', models.SAPSuccessFactorsEnterpriseCustomerConfiguration,
            SapSuccessFactorsLearnerExporter, SapSuccessFactorsLearnerTransmitter, SapSuccessFactorsApiClient),
    Channel('DEGREED', 'Degreed', models.DegreedEnterpriseCustomerConfiguration,
            DegreedLearnerExporter, DegreedLearnerTransmitter, DegreedApiClient),
    Channel('DEGREED2', 'Degreed v2', models.Degreed2EnterpriseCustomerConfiguration,
            Degreed2LearnerExporter, Degreed2LearnerTransmitter, Degreed2ApiClient),
    Channel('CSOD', 'Cornerstone', models.CornerstoneEnterpriseCustomerConfiguration,
            CornerstoneLearnerExporter, CornerstoneLearnerTransmitter, CornerstoneApiClient),
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
