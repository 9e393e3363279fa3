"""The Degreed v2 client: one OAuth token per configuration (``completions:write``), JSON:API completions."""

from enterprise_export.clients.channel import join_url
from enterprise_export.clients.degreed import DegreedApiClient


class Degreed2ApiClient(DegreedApiClient):
    """
    Talks to one customer's Degreed organisation through the v2 API; tokens may come from
    another host (``degreed_token_fetch_base_url``).
    """

    channel_code = 'DEGREED2'
    scope = 'completions:write'

    def token_url(self):
        configuration = self.enterprise_configuration
        return join_url(configuration.token_base_url, configuration.oauth_api_path)

    def client_credentials(self):
        return self.enterprise_configuration.client_id, self.enterprise_configuration.client_secret
