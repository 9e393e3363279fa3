"""
The channels of the demo stand-in, served through ``responses`` for unit tests.

SAP at ``SAP``, Degreed at ``DEGREED``, Degreed v2 at ``DEGREED2`` (and its tokens also at
``DEGREED2_AUTH``, for a configuration whose token host is another), Cornerstone at
``https://{subdomain}.csod.example.com``, an LRS at ``XAPI`` and a webhook receiver at
``WEBHOOK`` (the factories' configurations point there).
"""

import re

import responses

from demo.standin.channels import ChannelsStandIn, basic_auth
from test_utils.responses_adapter import callback_for

SAP = 'https://sap.example.com'
DEGREED = 'https://degreed.example.com'
DEGREED2 = 'https://degreed2.example.com'
DEGREED2_AUTH = 'https://degreed2-auth.example.com'
XAPI = 'https://lrs.example.com/xAPI'
WEBHOOK = 'https://hooks.example.com'
CSOD = re.compile(r'https://(?P<subdomain>[a-z0-9-]+)\.csod\.example\.com/.*')

__all__ = ['CSOD', 'DEGREED', 'DEGREED2', 'DEGREED2_AUTH', 'SAP', 'WEBHOOK', 'XAPI', 'FakeChannels', 'basic_auth']


class FakeChannels(ChannelsStandIn):

    def __init__(self, mock):
        super().__init__()
        roots = (('SAP', SAP), ('DEGREED', DEGREED), ('DEGREED2', DEGREED2), ('DEGREED2', DEGREED2_AUTH),
                 ('XAPI', XAPI), ('WEBHOOK', WEBHOOK))
        for channel, root in roots:
            mock.add_callback(responses.POST, re.compile(re.escape(root) + '/.*'), callback=callback_for(
                lambda request, channel=channel: self.handle(channel, request), root))
        mock.add_callback(responses.POST, CSOD, callback=self._cornerstone)

    def _cornerstone(self, prepared):
        root = re.match(r'https://[^/]+', prepared.url).group(0)
        return callback_for(lambda request: self.handle('CSOD', request), root)(prepared)
