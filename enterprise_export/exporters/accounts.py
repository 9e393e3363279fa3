"""
The learner account an enrollment is read with: username, email and user id, in the enrollments' own query.

edx-enterprise's ``EnterpriseCustomerUser.user`` is a plain property that queries on every
access; the exporter reads what it needs of the user by primary key, in a subquery of the
enrollments' page query, so that neither the learner row nor the user is built.
"""

from django.contrib.auth import get_user_model
from django.db.models import F, OuterRef, Subquery

from enterprise_export.lms.answers import Learner

LEARNER_USERNAME = 'enterprise_export_username'
LEARNER_EMAIL = 'enterprise_export_email'
LEARNER_USER_ID = 'enterprise_export_user_id'


def with_learner_accounts(enrollments):
    """
    ``enrollments`` (a queryset joined to the learners) with each learner's username and email
    (None when the user is gone), looked up by primary key for the rows read, and user id.
    """
    user = get_user_model()._default_manager.filter(pk=OuterRef('enterprise_customer_user__user_id'))
    return enrollments.annotate(**{
        LEARNER_USERNAME: Subquery(user.values('username')[:1]),
        LEARNER_EMAIL: Subquery(user.values('email')[:1]),
        LEARNER_USER_ID: F('enterprise_customer_user__user_id'),
    })


def _learner_account(enrollment):
    """``(username, email, user id)`` of an enrollment's learner: as read with it, else asked now."""
    if not hasattr(enrollment, LEARNER_USERNAME):
        user_id = enrollment.enterprise_customer_user.user_id
        user = get_user_model()._default_manager.filter(pk=user_id).values('username', 'email').first() or {}
        setattr(enrollment, LEARNER_USERNAME, user.get('username'))
        setattr(enrollment, LEARNER_EMAIL, user.get('email'))
        setattr(enrollment, LEARNER_USER_ID, user_id)
    return (getattr(enrollment, LEARNER_USERNAME), getattr(enrollment, LEARNER_EMAIL),
            getattr(enrollment, LEARNER_USER_ID, None))


def learner_username(enrollment):
    """The username of an enrollment's learner (None when the user is gone)."""
    return _learner_account(enrollment)[0]


def learner_email(enrollment):
    """The email of an enrollment's learner (None when the user is gone or has none)."""
    return _learner_account(enrollment)[1] or None


def learner_user_id(enrollment):
    """The LMS user id of an enrollment's learner (what the LMS's own tables are keyed by)."""
    return _learner_account(enrollment)[2]


def learner_of(enrollment):
    """The enrollment's learner as the sources of LMS answers know them (an ``lms.answers.Learner``)."""
    username, _, user_id = _learner_account(enrollment)
    return Learner(enrollment.id, user_id, username)
