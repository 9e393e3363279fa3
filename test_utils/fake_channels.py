"""
The channels of the demo stand-in, served through ``responses`` for unit tests.

SAP at ``SAP``, Degreed at ``DEGREED``, Cornerstone at ``https://{subdomain}.csod.example.com``
(the factories' configurations point there).
"""

import re

import responses

from demo.standin.channels import ChannelsStandIn, basic_auth
from test_utils.responses_adapter import callback_for

SAP = 'https://sap.example.com'
DEGREED = 'https://degreed.example.com'
CSOD = re.compile(r'https://(?P<subdomain>[a-z0-9-]+)\.csod\.example\.com/.*')

__all__ = ['CSOD', 'DEGREED', 'SAP', 'FakeChannels', 'basic_auth']


class FakeChannels(ChannelsStandIn):

    def __init__(self, mock):
        super().__init__()
        mock.add_callback(responses.POST, re.compile(re.escape(SAP) + '/.*'),
                          callback=callback_for(lambda request: self.handle('SAP', request), SAP))
        mock.add_callback(responses.POST, re.compile(re.escape(DEGREED) + '/.*'),
                          callback=callback_for(lambda request: self.handle('DEGREED', request), DEGREED))
        mock.add_callback(responses.POST, CSOD, callback=self._cornerstone)

    def _cornerstone(self, prepared):
        root = re.match(r'https://[^/]+', prepared.url).group(0)
        return callback_for(lambda request: self.handle('CSOD', request), root)(prepared)
