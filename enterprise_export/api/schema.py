"""How the OpenAPI document (drf-spectacular) describes edx-drf-extensions' JWT authentication."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class JwtAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = 'edx_rest_framework_extensions.auth.jwt.authentication.JwtAuthentication'
    match_subclasses = True
    name = 'jwtAuth'

    def get_security_definition(self, auto_schema):
        return {'type': 'apiKey', 'in': 'header', 'name': 'Authorization',
                'description': 'An Open edX JWT: "JWT <token>".'}
