"""
How long ``import_integrated_channels`` takes on a populated edx-enterprise database.

Needs the edx-enterprise virtualenv (``make venv-edx-enterprise``)::

    .venv-edx-enterprise/bin/python -m benchmarks.bench_takeover [--learners 20000]

Builds, in an in-memory SQLite database migrated with ``test_settings_edx_enterprise``,
``--learners`` consenting learners of one customer, an edx-enterprise SAP configuration with
one sent audit row per learner and a Cornerstone configuration with one sent audit row (and
identity) per learner; then runs the import twice and prints one JSON line per run: rows
written, seconds, queries.
"""

import argparse
import datetime
import json
import os
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--learners', type=int, default=20000)
    options = parser.parse_args()
    os.environ['DJANGO_SETTINGS_MODULE'] = 'test_settings_edx_enterprise'
    import django
    django.setup()
    from django.core.management import call_command

    call_command('migrate', verbosity=0)
    populate(options.learners)
    for attempt in ('first import', 'second import'):
        print(json.dumps(measure(attempt)))


def populate(learners):
    from django.apps import apps

    from test_utils.factories import EnterpriseCustomerFactory, bulk_enrollments

    customer = EnterpriseCustomerFactory(slug='bench')
    bulk_enrollments(customer, learners, ['course-v1:edX+DemoX+Demo_2026'], username_prefix='bench')
    enrollments = list(apps.get_model('enterprise', 'EnterpriseCourseEnrollment')._base_manager.values_list(
        'id', 'course_id', 'enterprise_customer_user__user_id'))
    sap = apps.get_model('sap_success_factors', 'SAPSuccessFactorsEnterpriseCustomerConfiguration').objects.create(
        enterprise_customer=customer, active=True, sapsf_base_url='https://sap.example.com', sapsf_company_id='ACME',
        decrypted_key='key', decrypted_secret='secret', idp_id='saml')
    csod = apps.get_model('cornerstone', 'CornerstoneEnterpriseCustomerConfiguration').objects.create(
        enterprise_customer=customer, active=True, cornerstone_base_url='https://{subdomain}.csod.example.com')
    sent = {'status': '200', 'is_transmitted': True, 'course_completed': True,
            'completed_timestamp': datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)}
    apps.get_model('sap_success_factors', 'SapSuccessFactorsLearnerDataTransmissionAudit').objects.bulk_create([
        apps.get_model('sap_success_factors', 'SapSuccessFactorsLearnerDataTransmissionAudit')(
            plugin_configuration_id=sap.pk, enterprise_course_enrollment_id=enrollment_id, course_id=course_id,
            sapsf_user_id=f'SAP-{enrollment_id}', grade='Pass', sap_completed_timestamp=1777593600000, **sent)
        for enrollment_id, course_id, _ in enrollments], batch_size=2000)
    audit = apps.get_model('cornerstone', 'CornerstoneLearnerDataTransmissionAudit')
    audit.objects.bulk_create([
        audit(plugin_configuration_id=csod.pk, enterprise_course_enrollment_id=enrollment_id, course_id='edX+DemoX',
              user_id=user_id, user_guid=f'guid-{enrollment_id}', session_token=f'session-{enrollment_id}',
              callback_url='/services/progress', subdomain='acme', grade='Pass', **sent)
        for enrollment_id, _, user_id in enrollments], batch_size=2000)


def measure(attempt):
    from django.db import connection

    from enterprise_export.takeover import import_integrated_channels

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(count):
        summary = import_integrated_channels()
    return {
        'case': attempt,
        'audit_rows': sum(item.audit_rows for item in summary.configurations),
        'identities': sum(item.identities for item in summary.configurations),
        'seconds': round(time.perf_counter() - started, 2),
        'queries': len(queries),
    }


if __name__ == '__main__':
    main()
