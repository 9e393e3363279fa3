"""
The LMS answers an export reads (course details, enrollment modes, grades, certificates, remote
ids, subsection grades): one interface (``answers``), one module per source (``api``: the LMS's
REST APIs, SPEC section 2).
"""

from enterprise_export.lms.api import ApiAnswers


def build_lms_answers(user):
    """The source of LMS answers for an exporter of ``user``, kept for the exporter's life."""
    return ApiAnswers(user)
