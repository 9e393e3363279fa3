"""
The audit rows' search box (SPEC 21): one term, matched whole (never a substring) against the
learner's username or email, the channel's identity of the learner, the enrollment id and the
course id.

Audit rows name their enrollment by id only: a learner is found through the user model, then
their enrollments, and the rows are those of these enrollments (``enterprise_course_enrollment_id``
is indexed). Nothing is matched with ``icontains``: the audit columns searched (enrollment id,
course id, the channel's identity) are each indexed (migrations 0005 and 0015), so the OR of
them is a union of index lookups. Users are found by ``iexact``: on MySQL, whose collation
ignores case, it uses the username index; on SQLite and PostgreSQL it reads the user table.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q

from enterprise_export.models import get_enrollment_model


def search_audit_rows(rows, term, identity_field=None):
    """
    ``rows`` (audit rows) narrowed to those ``term`` names: its learner by username or email (any
    case), ``identity_field`` (the channel's identity of the learner), its enrollment id, or its
    course id. Two queries before the rows' own, and only when a user has that username or email.
    """
    term = term.strip()
    if not term:
        return rows
    enrollment_ids = learner_enrollment_ids(term)
    if term.isdigit():
        enrollment_ids.append(int(term))
    matches = Q(enterprise_course_enrollment_id__in=enrollment_ids) | Q(course_id=term)
    if identity_field:
        matches |= Q(**{identity_field: term})
    return rows.filter(matches)


def learner_enrollment_ids(term):
    """The ids of the enrollments of the users whose username or email is ``term`` (any case)."""
    user_model = get_user_model()
    username, email = user_model.USERNAME_FIELD, user_model.get_email_field_name()
    user_ids = list(user_model._default_manager.filter(
        Q(**{f'{username}__iexact': term}) | Q(**{f'{email}__iexact': term}),
    ).values_list('pk', flat=True))
    if not user_ids:
        return []
    return list(get_enrollment_model()._base_manager.filter(
        enterprise_customer_user__user_id__in=user_ids,
    ).values_list('pk', flat=True))
