"""
The SAP SuccessFactors client: completions as learning events, either with one OAuth token per
learner (the learner's own path) or, with ``prevent_self_submit_grades``, with one token for the
configuration's service user on SAP's admin path.
"""

from enterprise_export.clients.channel import ChannelApiClient, join_url

ADMIN_COMPLETION_PATH = 'learning/odatav4/public/admin/learningevent-service/v1/OCNLearningEvents'


class SapSuccessFactorsApiClient(ChannelApiClient):
    """Talks to one customer's SuccessFactors tenant."""

    channel_code = 'SAP'

    @property
    def uses_admin_path(self):
        """True when completions go through SAP's admin API, acting as the configuration's own user."""
        return bool(self.enterprise_configuration.prevent_self_submit_grades)

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
        """
        POST one learning event (``payload``) about learner ``sapsf_user_id``; return the HTTP status.

        On the admin path the token is the configuration's user's, whoever the learner is.
        """
        configuration = self.enterprise_configuration
        if self.uses_admin_path:
            token = self.get_oauth_access_token(configuration.sapsf_user_id)
            path = ADMIN_COMPLETION_PATH
        else:
            token = self.get_oauth_access_token(sapsf_user_id)
            path = configuration.completion_status_api_path
        return self.post_with_token(join_url(configuration.sapsf_base_url, path), token, payload)
