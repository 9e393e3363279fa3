"""
The LMS's own tables that the database source reads (SPEC 18), as the LMS (openedx-platform)
names them. Unmanaged: this app never creates, migrates or writes them; only the columns it
reads are declared. Outside the LMS, the demo's ``demo.lms`` app creates tables of the same
names and columns (for the tests and the demo).
"""

from django.db import models


class LmsTable(models.Model):
    """A table the LMS owns: read only, never migrated here."""

    class Meta:
        abstract = True
        managed = False


class LmsCourseOverview(LmsTable):
    """``course_overviews_courseoverview``: one row per course run (``id`` is the run id)."""

    id = models.CharField(max_length=255, primary_key=True)
    self_paced = models.BooleanField(default=False)
    end = models.DateTimeField(null=True)
    effort = models.TextField(null=True)  # noqa: DJ001 - as the LMS declares it

    class Meta(LmsTable.Meta):
        db_table = 'course_overviews_courseoverview'

    def __str__(self):
        return f'course overview {self.id}'


class LmsCourseEnrollment(LmsTable):
    """``student_courseenrollment``: a user's enrollment in a run, its mode and whether it is active."""

    user_id = models.IntegerField()
    course_id = models.CharField(max_length=255)
    mode = models.CharField(max_length=100)
    is_active = models.BooleanField()

    class Meta(LmsTable.Meta):
        db_table = 'student_courseenrollment'

    def __str__(self):
        return f'enrollment of user {self.user_id} in {self.course_id}'


class LmsPersistentCourseGrade(LmsTable):
    """``grades_persistentcoursegrade``: a user's course grade in a run."""

    user_id = models.IntegerField()
    course_id = models.CharField(max_length=255)
    percent_grade = models.FloatField()
    letter_grade = models.CharField(max_length=255, null=True)  # noqa: DJ001 - as the LMS declares it

    class Meta(LmsTable.Meta):
        db_table = 'grades_persistentcoursegrade'

    def __str__(self):
        return f'course grade of user {self.user_id} in {self.course_id}'


class LmsGeneratedCertificate(LmsTable):
    """``certificates_generatedcertificate``: a user's certificate in a run, and its status."""

    user_id = models.IntegerField()
    course_id = models.CharField(max_length=255)
    status = models.CharField(max_length=32)
    grade = models.CharField(max_length=5, blank=True)
    created_date = models.DateTimeField()

    class Meta(LmsTable.Meta):
        db_table = 'certificates_generatedcertificate'

    def __str__(self):
        return f'certificate of user {self.user_id} in {self.course_id}'


class LmsUserSocialAuth(LmsTable):
    """``social_auth_usersocialauth``: a user's account at a third-party identity provider (SAP's user id)."""

    user_id = models.IntegerField()
    provider = models.CharField(max_length=32)
    uid = models.CharField(max_length=255)

    class Meta(LmsTable.Meta):
        db_table = 'social_auth_usersocialauth'

    def __str__(self):
        return f'{self.provider} account of user {self.user_id}'
