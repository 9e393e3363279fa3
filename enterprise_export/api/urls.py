"""URLs of the API, mounted by ``enterprise_export.urls`` under ``api/v1/``."""

from django.urls import path

from enterprise_export.api import views

urlpatterns = [
    path('customers/<uuid:customer_uuid>/transmissions/', views.TransmissionListView.as_view(),
         name='api_transmissions'),
    path('customers/<uuid:customer_uuid>/transmissions/summary/', views.TransmissionSummaryView.as_view(),
         name='api_transmissions_summary'),
]
