"""The Degreed client: one OAuth token per configuration, completions as provider completions."""

from enterprise_export.clients.channel import ChannelApiClient, join_url


class DegreedApiClient(ChannelApiClient):
    """Talks to one customer's Degreed organisation."""

    channel_code = 'DEGREED'

    def get_oauth_access_token(self):
        """A bearer token with the ``provider_completion`` scope, reused from the cache until it expires."""
        configuration = self.enterprise_configuration

        def fetch():
            response = self.post(
                join_url(configuration.degreed_base_url, configuration.oauth_api_path),
                data={
                    'grant_type': 'client_credentials',
                    'client_id': configuration.key,
                    'client_secret': configuration.secret,
                    'scope': 'provider_completion',
                },
            )
            return self.read_token(response)

        return self.cached_token('configuration', fetch)

    def create_course_completion(self, payload):
        """POST one completion (``{"orgCode", "completions": [...]}``); return the HTTP status."""
        token = self.get_oauth_access_token()
        configuration = self.enterprise_configuration
        return self.post_with_token(
            join_url(configuration.degreed_base_url, configuration.completion_status_api_path), token, payload,
        )
