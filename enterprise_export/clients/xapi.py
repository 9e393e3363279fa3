"""The xAPI client: one statement per POST to the LRS's statements resource, HTTP basic auth."""

from enterprise_export.clients.channel import ChannelApiClient, join_url
from enterprise_export.clients.exceptions import ChannelError

# The LRS already holds a statement of that id (an earlier attempt reached it): it keeps the first.
STATEMENT_ALREADY_STORED = 409


class XAPIApiClient(ChannelApiClient):
    """Talks to one customer's Learning Record Store."""

    channel_code = 'XAPI'

    def statements_url(self):
        return join_url(self.enterprise_configuration.lrs_endpoint, 'statements')

    def create_course_completion(self, statement):
        """
        POST one ``statement``; return the HTTP status: 200 or 204 (stored), or 409 (the LRS
        already holds its id, so the completion is there). Any other answer raises ``ChannelError``.
        """
        configuration = self.enterprise_configuration
        try:
            response = self.post(
                self.statements_url(), json=statement, auth=(configuration.key, configuration.secret),
                headers={'X-Experience-API-Version': configuration.version},
            )
        except ChannelError as error:
            if error.status == STATEMENT_ALREADY_STORED:
                return STATEMENT_ALREADY_STORED
            raise
        return response.status_code
