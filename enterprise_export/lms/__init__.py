"""
The LMS answers an export reads (course details, enrollment modes, grades, certificates, remote
ids, subsection grades): one interface (``answers``), one module per source (``api``: the LMS's
REST APIs, SPEC section 2; ``database``: the LMS's own tables, SPEC section 18), chosen by
``ENTERPRISE_EXPORT_LMS_SOURCE``.
"""

from django.core.exceptions import ImproperlyConfigured

from enterprise_export.conf import get_setting

SOURCES = ('api', 'database')


def build_lms_answers(user):
    """The source of LMS answers for an exporter of ``user``, kept for the exporter's life."""
    source = get_setting('ENTERPRISE_EXPORT_LMS_SOURCE')
    if source == 'database':
        from enterprise_export.lms.database import DatabaseAnswers  # noqa: PLC0415 - reads models: not at import

        return DatabaseAnswers(user)
    if source == 'api':
        from enterprise_export.lms.api import ApiAnswers  # noqa: PLC0415

        return ApiAnswers(user)
    raise ImproperlyConfigured(f'ENTERPRISE_EXPORT_LMS_SOURCE must be one of {", ".join(SOURCES)}, not {source!r}.')
