"""The Cornerstone client: basic auth, progress posted to the callback the learner's launch gave."""

from enterprise_export.clients.channel import ChannelApiClient, join_url


class CornerstoneApiClient(ChannelApiClient):
    """Talks to one customer's Cornerstone portal."""

    channel_code = 'CSOD'

    def create_course_completion(self, *, subdomain, callback_url, session_token, payload):
        """
        POST ``payload`` (a list of one progress item) to the learner's callback; return the HTTP status.

        A 401 means the learner's Cornerstone session expired: it fails until they launch again.
        """
        configuration = self.enterprise_configuration
        base_url = configuration.cornerstone_base_url.replace('{subdomain}', subdomain)
        url = join_url(join_url(base_url, callback_url), configuration.completion_status_api_path)
        response = self.post(
            url,
            params={'sessionToken': session_token},
            auth=(configuration.key, configuration.secret),
            json=payload,
        )
        return response.status_code
