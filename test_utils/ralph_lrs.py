"""
Run Ralph (PyPI ``ralph-malph``) as a Learning Record Store on 127.0.0.1, with its file backend.

Run with the Python of Ralph's own virtualenv (``.ci/ralph`` makes it)::

    RALPH_RUNSERVER_BACKEND=fs RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH=<folder> \\
    RALPH_AUTH_FILE=<auth.json made by `ralph auth`> python test_utils/ralph_lrs.py <port>

Everything is Ralph as released but one switch: its file backend creates its file once and
refuses a second write, so its default operation is made an append before the app starts.
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.data.fs import FSDataBackend


def main(port):
    FSDataBackend.default_operation_type = BaseOperationType.APPEND
    uvicorn.run('ralph.api:app', host='127.0.0.1', port=port, log_level='warning')


if __name__ == '__main__':
    main(int(sys.argv[1]))
