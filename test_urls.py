"""URLs of the test and ``manage.py`` site: the admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path('admin/', admin.site.urls),
    path('enterprise-export/', include('enterprise_export.urls')),
]
