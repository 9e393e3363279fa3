"""The demo stand-in: each fault switch produces the failure it names, through the real clients."""

import time

import pytest
import requests

from enterprise_export.clients.exceptions import (
    HttpClientError,
    HttpServerError,
    InvalidResponseError,
)
from enterprise_export.clients.lms import CourseApiClient, EnrollmentApiClient, GradesApiClient

RUN = 'course-v1:edX+DemoX+Demo_2026'


@pytest.fixture
def course_api(standin, settings):
    settings.ENTERPRISE_EXPORT_LMS_RETRIES = 0
    standin.lms.add_course(RUN, pacing='instructor', end=None)
    return CourseApiClient('worker')


def fault(standin, kind, **rule):
    standin.faults.configure({'faults': [{'target': 'lms', 'kind': kind, 'path': '/api/courses/', **rule}]})


def test_serves_the_lms_with_its_token(course_api, standin):
    assert course_api.get_course_details(RUN)['pacing'] == 'instructor'
    assert standin.lms.calls['token'] == 1
    assert requests.get(f'{standin.url}/lms/api/courses/v1/courses/{RUN}/', timeout=5).status_code == 401


def test_a_wrong_client_secret_gets_no_token(standin):
    answer = requests.post(f'{standin.url}/lms/oauth2/access_token', timeout=5, data={
        'grant_type': 'client_credentials', 'client_id': 'enterprise-export-key', 'client_secret': 'wrong'})
    assert answer.status_code == 401


def test_429_carries_retry_after(course_api, standin):
    fault(standin, '429', retry_after=7)
    token = standin.lms.token
    answer = requests.get(f'{standin.url}/lms/api/courses/v1/courses/{RUN}/', timeout=5,
                          headers={'Authorization': f'JWT {token}'})
    assert answer.status_code == 429 and answer.headers['Retry-After'] == '7'
    with pytest.raises(HttpClientError) as caught:
        course_api.get_course_details(RUN)
    assert caught.value.status == 429


def test_429_once_is_retried_after_the_pause(course_api, standin, settings):
    settings.ENTERPRISE_EXPORT_LMS_RETRIES = 2
    fault(standin, '429', retry_after=1, count=1)
    started = time.monotonic()
    assert course_api.get_course_details(RUN)['course_id'] == RUN
    assert time.monotonic() - started >= 0.9


def test_500(course_api, standin):
    fault(standin, '500')
    with pytest.raises(HttpServerError):
        course_api.get_course_details(RUN)


def test_malformed_json(course_api, standin):
    fault(standin, 'malformed')
    with pytest.raises(InvalidResponseError):
        course_api.get_course_details(RUN)


def test_timeout(course_api, standin, settings):
    settings.ENTERPRISE_EXPORT_LMS_TIMEOUT = (1, 0.3)
    fault(standin, 'timeout', seconds=3)
    with pytest.raises(requests.Timeout):
        course_api.get_course_details(RUN)


def test_reset(course_api, standin):
    fault(standin, 'reset')
    with pytest.raises(requests.ConnectionError):
        course_api.get_course_details(RUN)


def test_count_limits_a_fault_and_path_narrows_it(course_api, standin):
    standin.lms.add_enrollment('ada', RUN)
    fault(standin, '500', count=1)
    with pytest.raises(HttpServerError):
        course_api.get_course_details(RUN)
    assert course_api.get_course_details(RUN)['course_id'] == RUN
    fault(standin, '500')
    assert EnrollmentApiClient('worker').get_course_enrollment('ada', RUN)['mode'] == 'verified'


def test_latency(course_api, standin):
    course_api.get_course_details(RUN)  # the token, outside the measure
    standin.faults.configure({'latency_ms': {'lms': 200}})
    started = time.monotonic()
    course_api.get_course_details(RUN)
    assert time.monotonic() - started >= 0.2


def test_bulk_listing_pages_follow_next(standin, settings):
    for index in range(5):
        standin.lms.add_grade(f'learner{index}', RUN, passed=True, percent=0.9)
    rows = list(GradesApiClient('worker').iter_course_grades(RUN, page_size=2))
    assert [row['username'] for row in rows] == [f'learner{index}' for index in range(5)]
    assert standin.lms.calls['grades'] == 3


def test_control_endpoint(standin):
    answer = requests.post(f'{standin.url}/_control/faults', timeout=5,
                           json={'latency_ms': {'lms': 5}, 'faults': [{'target': 'sap', 'kind': '500'}]})
    assert answer.json()['faults'][0]['kind'] == '500'
    assert requests.post(f'{standin.url}/_control/faults', timeout=5,
                         json={'faults': [{'target': 'lms', 'kind': 'explode'}]}).status_code == 400
    standin.channels.received['SAP'].append({'x': 1})
    assert requests.get(f'{standin.url}/_control/received', timeout=5).json() == {'SAP': [{'x': 1}]}
    requests.post(f'{standin.url}/_control/reset', timeout=5)
    assert standin.faults.rules == [] and standin.faults.latency_ms == {}
    assert requests.get(f'{standin.url}/_control/received', timeout=5).json() == {}
