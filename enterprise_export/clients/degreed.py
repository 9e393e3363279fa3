"""The Degreed client: one OAuth token per configuration, completions as provider completions."""

from enterprise_export.clients.channel import ChannelApiClient, join_url


class DegreedApiClient(ChannelApiClient):
    """
    Talks to one customer's Degreed organisation.

    Override ``scope``, ``token_url`` and ``client_credentials`` for another Degreed API.
    """

    channel_code = 'DEGREED'
    scope = 'provider_completion'

    def token_url(self):
        configuration = self.enterprise_configuration
        return join_url(configuration.degreed_base_url, configuration.oauth_api_path)

    def client_credentials(self):
        return self.enterprise_configuration.key, self.enterprise_configuration.secret

    def get_oauth_access_token(self):
        """A bearer token with the client's ``scope``, reused from the cache until it expires."""
        def fetch():
            client_id, client_secret = self.client_credentials()
            response = self.post(self.token_url(), data={
                'grant_type': 'client_credentials',
                'client_id': client_id,
                'client_secret': client_secret,
                'scope': self.scope,
            })
            return self.read_token(response)

        return self.cached_token('configuration', fetch)

    def create_course_completion(self, payload):
        """POST one completion; return the HTTP status."""
        token = self.get_oauth_access_token()
        configuration = self.enterprise_configuration
        return self.post_with_token(
            join_url(configuration.degreed_base_url, configuration.completion_status_api_path), token, payload,
        )
