"""URLs of enterprise_export, mounted by the LMS under ``enterprise-export/``."""

from types import SimpleNamespace

from django.urls import include, path
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView

from enterprise_export import cornerstone
from enterprise_export.api import urls as api_urls

app_name = 'enterprise_export'

# The OpenAPI document covers this app's API only, at the paths a host that mounts the app
# under ``enterprise-export/`` (as the LMS plugin does) serves it.
API_SCHEMA_URLCONF = SimpleNamespace(urlpatterns=[path('enterprise-export/api/v1/', include(api_urls.urlpatterns))])
# JSON unless YAML is asked for (``Accept: application/vnd.oai.openapi`` or ``?format=yaml``): JSON is YAML too.
SCHEMA_RENDERERS = [OpenApiJsonRenderer, OpenApiJsonRenderer2, OpenApiYamlRenderer, OpenApiYamlRenderer2]

urlpatterns = [
    path('cornerstone/launch/<str:course_key>/', cornerstone.cornerstone_launch, name='cornerstone_launch'),
    path('api/v1/', include(api_urls.urlpatterns)),
    path('api/schema/', SpectacularAPIView.as_view(urlconf=API_SCHEMA_URLCONF, renderer_classes=SCHEMA_RENDERERS),
         name='api_schema'),
]
