"""The SAP SuccessFactors client: one OAuth token per SAP user, completions as learning events."""

from enterprise_export.clients.channel import ChannelApiClient, join_url


class SapSuccessFactorsApiClient(ChannelApiClient):
    """Talks to one customer's SuccessFactors tenant."""

    channel_code = 'SAP'

    def get_oauth_access_token(self, sapsf_user_id):
        """A bearer token to act for ``sapsf_user_id``, reused from the cache until it expires."""
        configuration = self.enterprise_configuration

        def fetch():
            response = self.post(
                join_url(configuration.sapsf_base_url, configuration.oauth_api_path),
                auth=(configuration.key, configuration.secret),
                json={'grant_type': 'client_credentials', 'scope': {
                    'userId': sapsf_user_id,
                    'companyId': configuration.sapsf_company_id,
                    'userType': configuration.user_type,
                    'resourceType': 'learning_public_api',
                }},
            )
            return self.read_token(response)

        return self.cached_token(f'user:{sapsf_user_id}', fetch)

    def create_course_completion(self, sapsf_user_id, payload):
        """POST one learning event (``payload``) for ``sapsf_user_id``; return the HTTP status."""
        token = self.get_oauth_access_token(sapsf_user_id)
        configuration = self.enterprise_configuration
        return self.post_with_token(
            join_url(configuration.sapsf_base_url, configuration.completion_status_api_path), token, payload,
        )
