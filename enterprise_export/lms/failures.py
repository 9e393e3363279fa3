"""
LMS failures over HTTP: which errors mean the LMS could not tell, and how they are told without personal data.
"""

import requests

from enterprise_export.clients.exceptions import HttpError
from enterprise_export.outcomes import LmsCredentialsRefusedError, refused_token_status

# What can go wrong when asking the LMS about one enrollment, other than the 404s the tables
# handle: 4xx/5xx answers, unreadable bodies, timeouts and connection errors, missing fields.
LMS_FAILURES = (HttpError, requests.RequestException, ValueError, KeyError, TypeError)


def raise_if_credentials_refused(error):
    """Stop the export when the LMS refused its OAuth credentials: no enrollment can be asked about."""
    status = refused_token_status(error)
    if status is not None:
        raise LmsCredentialsRefusedError(status) from error


def lms_failure_reason(error):
    """Why an LMS call failed, without the URL (which may name the learner)."""
    if isinstance(error, HttpError):
        return str(error)
    return type(error).__name__


def attempt(function, *args):
    """``function(*args)``, or the LMS failure it raised (returned, not raised)."""
    try:
        return function(*args)
    except LMS_FAILURES as error:
        raise_if_credentials_refused(error)
        return error
