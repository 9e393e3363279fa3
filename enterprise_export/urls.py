"""URLs of enterprise_export, mounted by the LMS under ``enterprise-export/``."""

from django.urls import path

from enterprise_export import views

app_name = 'enterprise_export'

urlpatterns = [
    path('cornerstone/launch/<str:course_key>/', views.cornerstone_launch, name='cornerstone_launch'),
]
