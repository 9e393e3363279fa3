"""
The LMS part of the stand-in: OAuth client credentials (JWT), course details, grades,
gradebook, certificates, enrollments (one and listed) and third-party-auth remote ids.

Any stored value may be a ``Failure`` to answer instead of the data. ``calls`` counts the
requests per endpoint (``token`` included).
"""

import re
import secrets
import threading
from collections import Counter
from urllib.parse import urlencode

from demo.standin.http import Answer, Failure, not_found

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
DEFAULT_PAGE_SIZE = 100


class LmsStandIn:
    """What the LMS knows, keyed the way its URLs are; fill it with the ``add_*`` helpers."""

    def __init__(self, client_id, client_secret, token=None):
        self.client_id = client_id
        self.client_secret = client_secret
        # One token for the stand-in's life: it stays valid across ``reset`` (clients cache it).
        self.token = token or f'jwt-{secrets.token_hex(16)}'
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        self.courses = {}
        self.enrollments = {}
        self.grades = {}
        self.gradebooks = {}
        self.certificates = {}
        self.remote_ids = {}
        self.calls = Counter()

    # What the LMS knows.

    def add_course(self, course_id, pacing='self', end=None, **details):
        self.courses[course_id] = {'course_id': course_id, 'pacing': pacing, 'end': end, **details}

    def add_enrollment(self, username, course_id, mode='verified', is_active=True):
        self.enrollments[(username, course_id)] = {'user': username, 'course_id': course_id, 'mode': mode,
                                                   'is_active': is_active}

    def add_grade(self, username, course_id, passed, percent):
        self.grades[(username, course_id)] = {'username': username, 'course_id': course_id, 'passed': passed,
                                              'percent': percent}

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

    def handle(self, request):
        """The ``Answer`` (or ``Failure``) to one request; paths are relative to the LMS root."""
        if request.method == 'POST' and request.path == '/oauth2/access_token':
            return self._token(request)
        if request.method != 'GET':
            return Answer(405, 'method not allowed')
        if request.header('Authorization') != f'JWT {self.token}':
            return Answer(401, {'detail': 'Authentication credentials were not provided.'})
        for name, pattern in ROUTES:
            match = pattern.match(request.path)
            if match:
                with self._lock:
                    self.calls[name] += 1
                found = getattr(self, f'_serve_{name}')(request, **match.groupdict())
                return found if isinstance(found, Answer | Failure) else self._answer(found)
        return not_found()

    @staticmethod
    def _answer(found):
        return not_found() if found is None else Answer(200, found)

    def _token(self, request):
        with self._lock:
            self.calls['token'] += 1
        form = request.form()
        if (form.get('client_id'), form.get('client_secret')) != (self.client_id, self.client_secret):
            return Answer(401, {'error': 'invalid_client'})
        if form.get('grant_type') != 'client_credentials':
            return Answer(400, {'error': 'unsupported_grant_type'})
        return Answer(200, {'access_token': self.token, 'expires_in': 3600, 'token_type': 'JWT',
                            'scope': 'read write'})

    def _serve_course(self, request, course_id):
        return self.courses.get(course_id)

    def _serve_grades(self, request, course_id):
        username = request.query.get('username')
        if username is None:
            rows = [row for (_, run), row in self.grades.items() if run == course_id and isinstance(row, dict)]
            return self._page(request, rows)
        row = self.grades.get((username, course_id))
        if isinstance(row, Failure):
            return row
        if row is None:
            return Answer(404, {'error_code': 'user_not_enrolled'})
        return Answer(200, [row])

    def _serve_gradebook(self, request, course_id):
        return self.gradebooks.get((request.query.get('username'), course_id))

    def _serve_certificate(self, request, username, course_id):
        return self.certificates.get((username, course_id))

    def _serve_enrollment(self, request, username, course_id):
        return self.enrollments.get((username, course_id))

    def _serve_enrollments(self, request):
        course_id = request.query.get('course_id')
        rows = [row for (_, run), row in self.enrollments.items() if run == course_id and isinstance(row, dict)]
        return self._page(request, rows)

    def _serve_remote_id(self, request, idp_id):
        username = request.query.get('username')
        remote_id = self.remote_ids.get((idp_id, username))
        if isinstance(remote_id, Failure):
            return remote_id
        return {'results': [{'username': username, 'remote_id': remote_id}] if remote_id else []}

    @staticmethod
    def _page(request, rows):
        """One page of a listing, ``{"next", "results"}``, by ``page`` and ``page_size``."""
        try:
            page = max(1, int(request.query.get('page', 1)))
            size = max(1, int(request.query.get('page_size', DEFAULT_PAGE_SIZE)))
        except ValueError:
            return Answer(400, {'detail': 'bad page'})
        start = (page - 1) * size
        next_url = None
        if start + size < len(rows):
            query = {**request.query, 'page': page + 1, 'page_size': size}
            next_url = f'{request.base_url}{request.path}?{urlencode(query)}'
        return Answer(200, {'next': next_url, 'results': rows[start:start + size]})
