"""Consent rows of the kinds the property tests draw: on the run, on the course key, refused, undecided, none."""

from enterprise_export.models import get_consent_model
from enterprise_export.utils import get_course_key


def add_consent(customer, username, course_id, kind):
    """The consent rows of ``kind`` for a learner's run (``refused_run_key_granted``: no on it, yes on its key)."""
    course_key = get_course_key(course_id)
    rows = {
        'run': [(course_id, True)], 'course_key': [(course_key, True)], 'refused': [(course_id, False)],
        'undecided': [(course_id, None)], 'none': [],
        'refused_run_key_granted': [(course_id, False), (course_key, True)],
    }[kind]
    for consent_course, granted in rows:
        get_consent_model()._default_manager.create(
            enterprise_customer=customer, username=username, course_id=consent_course, granted=granted)
