"""
The LMS of the demo stand-in, served through ``responses`` at the URL level for unit tests.

Same data and answers as over real HTTP (``demo.standin.lms``); here a ``Failure`` holding an
exception raises it to the client, as a dropped connection or a timeout would.
"""

import re

import responses

from demo.standin.http import Failure
from demo.standin.lms import LmsStandIn
from test_utils.responses_adapter import callback_for

LMS = 'http://lms.internal'
TOKEN_URL = f'{LMS}/oauth2/access_token'
TOKEN = 'lms-jwt-token'

__all__ = ['LMS', 'TOKEN', 'TOKEN_URL', 'Failure', 'FakeLms']


class FakeLms(LmsStandIn):
    """The stand-in's LMS answering ``responses``' ``mock`` for ``LMS`` (the test settings' LMS)."""

    def __init__(self, mock):
        super().__init__('enterprise-export-key', 'enterprise-export-secret', token=TOKEN)
        handle = callback_for(self.handle, LMS)
        mock.add_callback(responses.POST, TOKEN_URL, callback=handle)
        mock.add_callback(responses.GET, re.compile(re.escape(LMS) + r'/api/.*'), callback=handle)
