"""The base of every exporter."""


class Exporter:
    """
    Reads what a channel configuration must send.

    ``enterprise_configuration`` is a channel configuration (or any object with the attributes
    a subclass reads); its ``enterprise_customer`` is the customer whose data is exported.
    """

    def __init__(self, user, enterprise_configuration):
        self.user = user
        self.enterprise_configuration = enterprise_configuration
        self.enterprise_customer = enterprise_configuration.enterprise_customer

    def export(self, **kwargs):
        """Yield the records to send. Subclasses must override this."""
        raise NotImplementedError(f'{type(self).__name__} must implement export()')
