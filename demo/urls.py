"""URLs of the demo site: the admin and the app, where the LMS mounts it."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path('admin/', admin.site.urls),
    path('enterprise-export/', include('enterprise_export.urls')),
]
