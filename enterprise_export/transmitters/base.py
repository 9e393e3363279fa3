"""The base of every transmitter."""


class Transmitter:
    """
    Sends what an exporter yields to one channel configuration through its ``client``.

    Subclasses implement ``transmit``.
    """

    def __init__(self, enterprise_configuration, client):
        self.enterprise_configuration = enterprise_configuration
        self.client = client

    def transmit(self, exporter, request, *, dry_run=False):
        """Send what ``exporter`` yields for ``request`` (an ``ExportRequest``). Subclasses must override this."""
        raise NotImplementedError(f'{type(self).__name__} must implement transmit()')
