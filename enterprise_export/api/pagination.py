"""Pages of transmissions: ``page`` and ``page_size`` (at most 500; a larger one is capped)."""

from rest_framework.pagination import PageNumberPagination


class TransmissionPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = 'page_size'
    max_page_size = 500
