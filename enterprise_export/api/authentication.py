"""
JWT authentication of the API: edx-drf-extensions' ``JwtAuthentication``, with its symmetric hole
closed, and without trusting restricted applications or inactive users.

edx-drf-extensions (10.x) first checks a token's signature against the asymmetric keys of
``JWT_AUTH['JWT_PUBLIC_SIGNING_JWK_SET']``, and takes an empty key set as a success: on a host
without asymmetric keys, a token signed with anything at all would be accepted. Here the
signature is checked against the configured keys before the library decodes the token.

The library also gets or creates the token's user, copies the token's claims onto it
(``administrator`` becomes ``is_staff``, saved) and never looks at ``is_active``. Here a
restricted application's token (``is_restricted``) changes nothing of its user, whom the views
then refuse (``NotJwtRestrictedApplication``, 403), and an inactive user's token is refused (401).
"""

import jwt
from django.conf import settings
from edx_rest_framework_extensions.auth.jwt import authentication
from edx_rest_framework_extensions.auth.jwt.decoder import (
    get_verification_jwk_key_set,
    verify_jwk_signature_using_keyset,
)
from edx_rest_framework_extensions.settings import get_first_jwt_issuer
from rest_framework import exceptions


class JwtAuthentication(authentication.JwtAuthentication):
    """
    ``Authorization: JWT <token>`` as Open edX issues it; a token no configured key signed, or
    whose user is inactive, is refused (401).
    """

    @classmethod
    def jwt_decode_token(cls, token, *args, **kwargs):
        jwt_auth = getattr(settings, 'JWT_AUTH', None) or {}
        issuer = get_first_jwt_issuer() if jwt_auth else {}
        key_set = get_verification_jwk_key_set(
            asymmetric_keys=jwt_auth.get('JWT_PUBLIC_SIGNING_JWK_SET'), secret_key=issuer.get('SECRET_KEY'),
        )
        if not key_set:
            raise jwt.InvalidTokenError('No JWT verification key is configured (JWT_AUTH).')
        verify_jwk_signature_using_keyset(token, key_set, aud=issuer.get('AUDIENCE'))
        return super().jwt_decode_token(token, *args, **kwargs)

    def authenticate_credentials(self, payload):
        """
        The token's user, as the library gets or creates it; a restricted application's claims
        about the user are not copied onto it. Raises ``AuthenticationFailed`` for an inactive user.
        """
        if payload.get('is_restricted'):
            # A third party's token: its ``administrator`` claim must not make the learner staff.
            claims = self.get_jwt_claim_attribute_map()
            payload = {claim: value for claim, value in payload.items() if claim not in claims}
        user = super().authenticate_credentials(payload)
        if not user.is_active:
            raise exceptions.AuthenticationFailed('User inactive or deleted.')
        return user
