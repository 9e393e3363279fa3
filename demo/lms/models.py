"""
Managed copies of the LMS's tables of ``enterprise_export.lms_tables`` (same table and column
names), so that the tests and the demo have them; rows are written through these models.
"""

from django.db import models


class CourseOverview(models.Model):
    id = models.CharField(max_length=255, primary_key=True)
    self_paced = models.BooleanField(default=False)
    end = models.DateTimeField(null=True, blank=True)
    effort = models.TextField(null=True, blank=True)  # noqa: DJ001 - as the LMS declares it

    class Meta:
        db_table = 'course_overviews_courseoverview'

    def __str__(self):
        return f'course overview {self.id}'


class CourseEnrollment(models.Model):
    user_id = models.IntegerField(db_index=True)
    course_id = models.CharField(max_length=255)
    mode = models.CharField(max_length=100, default='audit')
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = 'student_courseenrollment'
        unique_together = [('user_id', 'course_id')]

    def __str__(self):
        return f'enrollment of user {self.user_id} in {self.course_id}'


class PersistentCourseGrade(models.Model):
    user_id = models.IntegerField(db_index=True)
    course_id = models.CharField(max_length=255)
    percent_grade = models.FloatField(default=0.0)
    letter_grade = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001 - as the LMS declares it

    class Meta:
        db_table = 'grades_persistentcoursegrade'
        unique_together = [('course_id', 'user_id')]

    def __str__(self):
        return f'course grade of user {self.user_id} in {self.course_id}'


class GeneratedCertificate(models.Model):
    user_id = models.IntegerField(db_index=True)
    course_id = models.CharField(max_length=255)
    status = models.CharField(max_length=32, default='unavailable')
    grade = models.CharField(max_length=5, blank=True, default='')
    created_date = models.DateTimeField()

    class Meta:
        db_table = 'certificates_generatedcertificate'
        unique_together = [('user_id', 'course_id')]

    def __str__(self):
        return f'certificate of user {self.user_id} in {self.course_id}'


class UserSocialAuth(models.Model):
    user_id = models.IntegerField(db_index=True)
    provider = models.CharField(max_length=32)
    uid = models.CharField(max_length=255)

    class Meta:
        db_table = 'social_auth_usersocialauth'
        unique_together = [('provider', 'uid')]

    def __str__(self):
        return f'{self.provider} account of user {self.user_id}'
