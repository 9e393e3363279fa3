"""
A fake LMS for the tests, served through ``responses`` at the URL level.

It answers the URLs of SPEC section 2 from what a test put in it, issues one OAuth token,
refuses calls without it, and counts the calls per endpoint. Tests that care about exact URLs
register them with ``responses`` directly instead.
"""

import json
import re
from collections import Counter
from urllib.parse import parse_qs, unquote, urlsplit

import responses

LMS = 'http://lms.internal'
TOKEN_URL = f'{LMS}/oauth2/access_token'
TOKEN = 'lms-jwt-token'

ROUTES = [
    ('course', re.compile(r'^/api/courses/v1/courses/(?P<course_id>[^/]+)/$')),
    ('grades', re.compile(r'^/api/grades/v1/courses/(?P<course_id>[^/]+)/$')),
    ('gradebook', re.compile(r'^/api/grades/v1/gradebook/(?P<course_id>[^/]+)/$')),
    ('certificate', re.compile(
        r'^/api/certificates/v0/certificates/(?P<username>[^/]+)/courses/(?P<course_id>[^/]+)/$')),
    ('enrollment', re.compile(r'^/api/enrollment/v1/enrollment/(?P<username>[^,]+),(?P<course_id>[^/]+)$')),
    ('enrollments', re.compile(r'^/api/enrollment/v1/enrollments/$')),
    ('remote_id', re.compile(r'^/api/third_party_auth/v0/providers/(?P<idp_id>[^/]+)/users$')),
]


class Failure:
    """An answer other than the stored data: a status with a body, or an exception to raise."""

    def __init__(self, status=500, body='', exception=None):
        self.status = status
        self.body = body if isinstance(body, str) else json.dumps(body)
        self.exception = exception


class FakeLms:
    """The LMS's data, keyed the way its URLs are; put data in with the helpers below."""

    def __init__(self, mock):
        self.mock = mock
        self.courses = {}
        self.enrollments = {}
        self.grades = {}
        self.gradebooks = {}
        self.certificates = {}
        self.remote_ids = {}
        self.calls = Counter()
        mock.add_callback(responses.POST, TOKEN_URL, callback=self._token)
        mock.add_callback(responses.GET, re.compile(re.escape(LMS) + r'/api/.*'), callback=self._dispatch)

    # What the LMS knows.

    def add_course(self, course_id, pacing='self', end=None, **details):
        self.courses[course_id] = {'course_id': course_id, 'pacing': pacing, 'end': end, **details}

    def add_enrollment(self, username, course_id, mode='verified', is_active=True):
        self.enrollments[(username, course_id)] = {'mode': mode, 'is_active': is_active, 'user': username}

    def add_grade(self, username, course_id, passed, percent):
        self.grades[(username, course_id)] = {'username': username, 'passed': passed, 'percent': percent}

    def add_certificate(self, username, course_id, is_passing=True, created_date='2026-05-01T10:00:00Z',
                        grade='0.82', status='downloadable'):
        certificate = {'username': username, 'course_id': course_id, 'is_passing': is_passing,
                       'grade': grade, 'status': status}
        if created_date is not None:
            certificate['created_date'] = created_date
        self.certificates[(username, course_id)] = certificate

    def add_gradebook(self, username, course_id, section_breakdown):
        self.gradebooks[(username, course_id)] = {'username': username, 'section_breakdown': section_breakdown}

    def learner(self, username, course_id, *, mode='verified', passed=None, percent=None, certificate=None):
        """Shortcut: an LMS enrollment, and a grade or certificate when given."""
        self.add_enrollment(username, course_id, mode)
        if passed is not None:
            self.add_grade(username, course_id, passed, percent if percent is not None else (0.9 if passed else 0.3))
        if certificate is not None:
            self.add_certificate(username, course_id, **certificate)

    # Serving.

    def _token(self, request):
        self.calls['token'] += 1
        return 200, {}, json.dumps({'access_token': TOKEN, 'expires_in': 3600, 'token_type': 'JWT'})

    def _dispatch(self, request):
        parts = urlsplit(request.url)
        path, query = unquote(parts.path), {k: v[0] for k, v in parse_qs(parts.query).items()}
        if request.headers.get('Authorization') != f'JWT {TOKEN}':
            return 401, {}, json.dumps({'detail': 'no token'})
        for name, pattern in ROUTES:
            match = pattern.match(path)
            if match:
                self.calls[name] += 1
                return self._answer(getattr(self, f'_serve_{name}')(query=query, **match.groupdict()))
        return 404, {}, ''

    @staticmethod
    def _answer(found):
        if isinstance(found, Failure):
            if found.exception is not None:
                raise found.exception
            return found.status, {}, found.body
        if found is None:
            return 404, {'Content-Type': 'application/json'}, json.dumps({'detail': 'Not found.'})
        return 200, {'Content-Type': 'application/json'}, json.dumps(found)

    def _serve_course(self, course_id, query):
        return self.courses.get(course_id)

    def _serve_grades(self, course_id, query):
        username = query.get('username')
        if username is None:
            rows = [row for (_, run), row in self.grades.items() if run == course_id]
            return {'next': None, 'results': rows}
        row = self.grades.get((username, course_id))
        if isinstance(row, Failure):
            return row
        if row is None:
            return Failure(404, {'error_code': 'user_not_enrolled'})
        return [row]

    def _serve_gradebook(self, course_id, query):
        return self.gradebooks.get((query.get('username'), course_id))

    def _serve_certificate(self, username, course_id, query):
        return self.certificates.get((username, course_id))

    def _serve_enrollment(self, username, course_id, query):
        return self.enrollments.get((username, course_id))

    def _serve_enrollments(self, query):
        course_id = query.get('course_id')
        rows = [row for (_, run), row in self.enrollments.items() if run == course_id and isinstance(row, dict)]
        return {'next': None, 'results': rows}

    def _serve_remote_id(self, idp_id, query):
        remote_id = self.remote_ids.get((idp_id, query.get('username')))
        if isinstance(remote_id, Failure):
            return remote_id
        return {'results': [{'username': query.get('username'), 'remote_id': remote_id}] if remote_id else []}
