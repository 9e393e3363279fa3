"""
Rows of the LMS's tables (``demo.lms``): written for a population, and served by the stand-in.

One population serves both sources (SPEC 18): the database source reads these rows, and
``serve_rows`` fills the stand-in LMS with what the REST APIs answer for the same rows (a
learner enrolled without a grade row gets the zero grade the Grades API gives; audit
certificates are not shown; remote ids come from ``social_auth_usersocialauth``).
"""

from django.contrib.auth import get_user_model

from demo.lms import models

PASSING_STATUSES = ('downloadable', 'generating')
AUDIT_STATUSES = ('audit_passing', 'audit_notpassing')


def _iso(moment):
    return moment.isoformat().replace('+00:00', 'Z') if moment is not None else None


def serve_rows(lms):
    """Fill the stand-in ``lms`` (``demo.standin.lms.LmsStandIn``) from every row of the tables."""
    usernames = dict(get_user_model().objects.values_list('pk', 'username'))
    for overview in models.CourseOverview.objects.all():
        lms.add_course(overview.id, pacing='self' if overview.self_paced else 'instructor', end=_iso(overview.end),
                       effort=overview.effort)
    grades = {(grade.user_id, grade.course_id): grade for grade in models.PersistentCourseGrade.objects.all()}
    for enrollment in models.CourseEnrollment.objects.order_by('id'):
        username = usernames.get(enrollment.user_id)
        if username is None:
            continue
        lms.add_enrollment(username, enrollment.course_id, mode=enrollment.mode, is_active=enrollment.is_active)
        grade = grades.get((enrollment.user_id, enrollment.course_id))
        if grade is None:
            lms.add_grade(username, enrollment.course_id, passed=False, percent=0.0)
        else:
            lms.add_grade(username, enrollment.course_id, passed=bool(grade.letter_grade), percent=grade.percent_grade)
    for certificate in models.GeneratedCertificate.objects.exclude(status__in=AUDIT_STATUSES):
        username = usernames.get(certificate.user_id)
        if username is not None:
            lms.add_certificate(username, certificate.course_id, is_passing=certificate.status in PASSING_STATUSES,
                                created_date=_iso(certificate.created_date), grade=certificate.grade,
                                status=certificate.status)
    for account in models.UserSocialAuth.objects.order_by('-id'):  # the first row by id wins
        username = usernames.get(account.user_id)
        if username is None:
            continue
        if account.provider == 'tpa-saml' and ':' in account.uid:
            slug, remote_id = account.uid.split(':', 1)
            lms.remote_ids[(f'saml-{slug}', username)] = remote_id
        else:
            lms.remote_ids[(f'oa2-{account.provider}', username)] = account.uid
