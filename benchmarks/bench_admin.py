"""
Time the admin's pages at many audit rows (SPEC 21): lists, sorts, searches, filters, a row, runs, configurations.

    .venv/bin/python -m benchmarks.bench_admin [--rows 100000] [--repeat 3] [--db /tmp/FILE.sqlite3]
    .venv/bin/python -m benchmarks.bench_admin --mysql     # the same on MariaDB/MySQL (a fresh database, dropped)

The database is made for the run and removed at its end: an SQLite file under /tmp (WAL, as the
other benchmarks' settings), or with ``--mysql`` a database ``test_ee_bench_admin`` on the server
``test_settings_mysql.py`` connects to (the same ``ENTERPRISE_EXPORT_TEST_MYSQL_*`` variables;
default ee/ee on 127.0.0.1:3306). The settings are ``benchmarks.settings`` (the demo's host).

Population (``bulk_create`` in batches): 30 customers; ``rows / 25`` learners (users), half of
them of customer 00 (the big one, whose configurations never failed), five enrollments each over
8 course runs; one configuration per channel for 15 customers (all 30 for SAP, plus 5 SAP ones
never run); 4 ``TransmissionRun`` rows per configuration that has rows (some in error, some
unfinished); and ``--rows`` audit rows, half of them SAP's, the rest spread over the other
channels and the channel-independent model, one in ten failed and one in fifty superseded
(drawn at random, outside customer 00), their last attempts spread over 90 days.

A superuser logged in with the test ``Client`` asks for each page ``--repeat`` times; each case
prints one JSON line: the best time (``time.perf_counter`` around the request, in process), the
SQL queries of the request (``CaptureQueriesContext``: the session and user included), the rows on
the page and the rows the list counted; for a list, also the time and queries with
``list_per_page`` set to 20 on the registered ``ModelAdmin`` (default 100), so that a query per
row would show. Then, for each search and for the 5 slowest pages, a line with the page's
queries, each re-run alone, fetched whole and timed, with its plan (``EXPLAIN QUERY PLAN`` on
SQLite, ``EXPLAIN`` on MySQL): the slowest one in full, the others after it (the SQL shortened to
read: tables without the app's prefix, long column and ``IN`` lists cut). The last line sums up:
the slowest page, whether every page answered in under 1 s, and whether any list's queries grew
with the rows on its page.
"""

import argparse
import contextlib
import datetime
import html
import json
import os
import random
import re
import time
import uuid
from urllib.parse import urlencode

CUSTOMERS = 30
BIG_CUSTOMER = 0  # half the learners; none of its rows failed (the healthy configurations)
CHANNEL_CUSTOMERS = 15  # customers with a configuration of each channel but SAP (SAP: all)
NEVER_RUN_SAP = 5  # SAP configurations with no run and no row
ENROLLMENTS_PER_LEARNER = 5
COURSES = 8
RUNS_PER_CONFIGURATION = 4
BATCH = 5000
FAILED_SHARE, SUPERSEDED_SHARE = 0.10, 0.02  # of the rows of the customers but the big one
SMALL_PAGE = 20
FILTER_CHOICES = 3  # the first choices of each list filter ("All" aside)
SLOW_PAGES_EXPLAINED = 5
ONE_SECOND = 1.0
SQLITE_WAL = 'PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--rows', type=int, default=100_000, help='audit rows in all (default 100000)')
    parser.add_argument('--repeat', type=int, default=3, help='requests per page, the best one counts (default 3)')
    parser.add_argument('--db', default='/tmp/enterprise-export-bench-admin.sqlite3', help='the SQLite file')
    parser.add_argument('--mysql', action='store_true', help='on MariaDB/MySQL (as test_settings_mysql.py)')
    options = parser.parse_args()

    os.environ['DJANGO_SETTINGS_MODULE'] = 'benchmarks.settings'
    os.environ['BENCH_DB'] = options.db
    from django.conf import settings

    settings.DATABASES = {'default': mysql_database() if options.mysql else sqlite_database(options.db)}
    import django
    django.setup()
    settings.ALLOWED_HOSTS = ['testserver']
    from django.db import connection

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(options.rows, options.repeat)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        for suffix in ('-wal', '-shm') if not options.mysql else ():
            with contextlib.suppress(FileNotFoundError):
                os.remove(options.db + suffix)


def sqlite_database(path):
    return {'ENGINE': 'django.db.backends.sqlite3', 'NAME': path, 'OPTIONS': {'init_command': SQLITE_WAL},
            'TEST': {'NAME': path}}


def mysql_database():
    """The server of ``test_settings_mysql.py`` (same variables and defaults), a database of this run."""
    environ = os.environ.get
    return {
        'ENGINE': 'django.db.backends.mysql',
        'NAME': environ('ENTERPRISE_EXPORT_TEST_MYSQL_NAME', 'enterprise_export'),
        'USER': environ('ENTERPRISE_EXPORT_TEST_MYSQL_USER', 'ee'),
        'PASSWORD': environ('ENTERPRISE_EXPORT_TEST_MYSQL_PASSWORD', 'ee'),
        'HOST': environ('ENTERPRISE_EXPORT_TEST_MYSQL_HOST', '127.0.0.1'),
        'PORT': environ('ENTERPRISE_EXPORT_TEST_MYSQL_PORT', '3306'),
        'OPTIONS': {'charset': 'utf8mb4', 'init_command': "SET sql_mode='STRICT_TRANS_TABLES'"},
        'TEST': {'NAME': 'test_ee_bench_admin', 'CHARSET': 'utf8mb4', 'COLLATION': 'utf8mb4_unicode_ci'},
    }


def run(rows, repeat):
    from django.db import connection
    from django.test import Client

    started = time.perf_counter()
    population = seed(rows)
    seconds = time.perf_counter() - started
    print(json.dumps({'seeded': population.counts, 'database': connection.vendor, 'rows': rows,
                      'seconds': round(seconds, 2)}), flush=True)
    client = Client()
    client.force_login(population.superuser)
    lines, explained = [], set()
    for case in cases(population):
        line, queries = measure(client, case, repeat)
        line['rows'] = rows
        lines.append(line)
        print(json.dumps(line), flush=True)
        if case.explain:
            print(json.dumps(explain_page(case.name, queries)), flush=True)
            explained.add(case.name)
        case.queries = queries
    by_name = {case.name: case for case in population.cases}
    for line in sorted(lines, key=lambda line: -line['seconds'])[:SLOW_PAGES_EXPLAINED]:
        if line['case'] not in explained:
            print(json.dumps(explain_page(line['case'], by_name[line['case']].queries)), flush=True)
    print(json.dumps(summary(lines)), flush=True)


# The population.

class Population:
    def __init__(self):
        self.counts = {}
        self.cases = []


def seed(rows):
    from django.contrib.auth import get_user_model

    population = Population()
    customers = seed_customers()
    learners = seed_learners(customers, max(2 * CUSTOMERS, rows // 25))
    enrollments = seed_enrollments(learners)
    configurations = seed_configurations(customers)
    runs = seed_runs(configurations)
    audits = seed_audits(rows, learners, enrollments, configurations, runs)
    superuser = get_user_model()(username='bench-admin', email='bench-admin@example.com', is_staff=True,
                                 is_superuser=True)
    superuser.set_unusable_password()
    superuser.save()
    analyze()
    population.superuser, population.customers, population.learners = superuser, customers, learners
    population.enrollments, population.configurations, population.runs = enrollments, configurations, runs
    population.counts = {'customers': len(customers), 'learners': len(learners), 'enrollments': len(enrollments),
                         'configurations': sum(len(found) for found in configurations.values()),
                         'runs': sum(len(found) for found in runs.values()), 'audit_rows': audits}
    return population


def seed_customers():
    from enterprise_export.models import get_customer_model

    customer_model = get_customer_model()
    customer_model.objects.bulk_create([
        customer_model(name=f'Customer {index:02d}', slug=f'bench-{index:02d}') for index in range(CUSTOMERS)])
    by_slug = {customer.slug: customer for customer in customer_model.objects.all()}
    return [by_slug[f'bench-{index:02d}'] for index in range(CUSTOMERS)]


def customer_of(learner_index):
    """Every other learner is the big customer's; the others are spread over the rest."""
    if learner_index % 2 == 0:
        return BIG_CUSTOMER
    return 1 + (learner_index // 2) % (CUSTOMERS - 1)


def username(learner_index):
    return f'learner-{learner_index:06d}'


def email(learner_index):
    return f'{username(learner_index)}@example.com'


def seed_learners(customers, count):
    """``[(learner pk, customer index)]``, by learner index, with their users."""
    from django.contrib.auth import get_user_model

    from enterprise_export.models import get_customer_user_model

    user_model, learner_model = get_user_model(), get_customer_user_model()
    user_model.objects.bulk_create([user_model(username=username(index), email=email(index))
                                    for index in range(count)], batch_size=BATCH)
    user_ids = dict(user_model.objects.filter(username__startswith='learner-').values_list('username', 'pk'))
    learner_model.objects.bulk_create([
        learner_model(enterprise_customer=customers[customer_of(index)], user_id=user_ids[username(index)])
        for index in range(count)], batch_size=BATCH)
    learner_ids = dict(learner_model.all_objects.values_list('user_id', 'pk'))
    return [(learner_ids[user_ids[username(index)]], customer_of(index)) for index in range(count)]


def course_run(course):
    return f'course-v1:BenchX+C{course:02d}+2026_T1'


def course_key(course):
    return f'BenchX+C{course:02d}'


def seed_enrollments(learners):
    """``[(enrollment pk, learner index, course)]``, in creation order."""
    from enterprise_export.models import get_enrollment_model

    enrollment_model = get_enrollment_model()
    wanted = [(index, (index + offset) % COURSES) for index in range(len(learners))
              for offset in range(ENROLLMENTS_PER_LEARNER)]
    enrollment_model.objects.bulk_create([
        enrollment_model(enterprise_customer_user_id=learners[index][0], course_id=course_run(course))
        for index, course in wanted], batch_size=BATCH)
    learner_index = {learner_pk: index for index, (learner_pk, _) in enumerate(learners)}
    ids = {(learner_index[learner_pk], course_id): pk for pk, learner_pk, course_id in
           enrollment_model._base_manager.values_list('pk', 'enterprise_customer_user_id', 'course_id')}
    return [(ids[index, course_run(course)], index, course) for index, course in wanted]


def seed_configurations(customers):
    """``{channel code: [(configuration, customer index, has rows)]}``."""
    from test_utils import factories

    factory_of = {'SAP': factories.SAPConfigurationFactory, 'DEGREED': factories.DegreedConfigurationFactory,
                  'DEGREED2': factories.Degreed2ConfigurationFactory,
                  'CSOD': factories.CornerstoneConfigurationFactory, 'XAPI': factories.XAPIConfigurationFactory,
                  'WEBHOOK': factories.WebhookConfigurationFactory}
    from enterprise_export.channels import CHANNELS

    configurations = {}
    for code in CHANNELS:
        served = range(CUSTOMERS if code == 'SAP' else CHANNEL_CUSTOMERS)
        configurations[code] = [(factory_of[code](enterprise_customer=customers[index]), index, True)
                                for index in served]
    configurations['SAP'] += [(factory_of['SAP'](enterprise_customer=customers[index], active=False), index, False)
                              for index in range(CUSTOMERS - NEVER_RUN_SAP, CUSTOMERS)]
    return configurations


NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
RUN_ERRORS = ['', '', 'locked', 'credentials refused: 401 from the token endpoint', '', 'LMS unreachable']


def seed_runs(configurations):
    """``{(channel code, configuration pk): [run_id]}`` of the configurations that have rows, oldest first."""
    from enterprise_export.models import TransmissionRun

    runs, made = [], {}
    for code, found in configurations.items():
        for configuration, _, has_rows in found:
            if not has_rows:
                continue
            for number in range(RUNS_PER_CONFIGURATION):
                started = NOW - datetime.timedelta(days=7 * (RUNS_PER_CONFIGURATION - number), minutes=configuration.pk)
                error = RUN_ERRORS[(configuration.pk + number) % len(RUN_ERRORS)]
                died = number == RUNS_PER_CONFIGURATION - 1 and configuration.pk % 7 == 0
                run = TransmissionRun(
                    run_id=uuid.uuid4(), channel=code, configuration_id=configuration.pk,
                    enterprise_customer=configuration.enterprise_customer, started=started,
                    finished=None if died else started + datetime.timedelta(minutes=3), error=error,
                    sent=0 if error else 40, skipped=0 if error else 200, failed=0 if error else 4)
                runs.append(run)
                made.setdefault((code, configuration.pk), []).append(run.run_id)
    TransmissionRun.objects.bulk_create(runs, batch_size=BATCH)
    return made


def audit_targets(rows):
    """``[(channel code or None, rows)]``: half SAP's, the rest over the other channels and the generic model."""
    from enterprise_export.channels import CHANNELS

    others = [code for code in CHANNELS if code != 'SAP'] + [None]
    sap = rows // 2
    share, extra = divmod(rows - sap, len(others))
    return [('SAP', sap)] + [(code, share + (1 if position < extra else 0)) for position, code in enumerate(others)]


def identity(code, learner_index):
    return {'SAP': f'SAP{learner_index:06d}', 'CSOD': f'guid-{learner_index:06d}'}.get(code, email(learner_index))


def seed_audits(rows, learners, enrollments, configurations, runs):
    from enterprise_export.channels import CHANNELS
    from enterprise_export.models import LearnerDataTransmissionAudit

    made, draw = {}, random.Random(21)  # the same rows on every run
    for code, count in audit_targets(rows):
        model = CHANNELS[code].audit_model if code else LearnerDataTransmissionAudit
        targets = audit_pairs(code, learners, enrollments, configurations)
        with explicit_timestamps(model):
            model.objects.bulk_create(
                (audit_row(model, code, number, targets, runs, draw) for number in range(count)), batch_size=BATCH)
        made[model._meta.model_name] = count
    return made


def audit_pairs(code, learners, enrollments, configurations):
    """``[(configuration pk or None, enrollment)]`` a channel's rows are for: its customers' enrollments."""
    if code is None:
        return [(None, enrollment) for enrollment in enrollments]
    by_customer = {}
    for enrollment in enrollments:
        by_customer.setdefault(learners[enrollment[1]][1], []).append(enrollment)
    # Interleaved over the configurations, so that ids do not follow the customer.
    columns = [[(configuration.pk, enrollment) for enrollment in by_customer.get(customer_index, [])]
               for configuration, customer_index, has_rows in configurations[code] if has_rows]
    longest = max(len(column) for column in columns)
    return [column[position] for position in range(longest) for column in columns if position < len(column)]


def audit_row(model, code, number, targets, runs, draw):
    """
    The ``number``-th row: its target's run-id row, then course-key row, then subsection rows;
    failed or superseded, its grade, last attempt and run drawn from ``draw``.
    """
    configuration_pk, (enrollment_pk, learner_index, course) = targets[number % len(targets)]
    variant = number // len(targets)
    course_id = course_key(course) if variant == 1 else course_run(course)
    subsection = f'block-v1:BenchX+C{course:02d}+2026_T1+type@sequential+block@s{variant}' if variant > 1 else ''
    healthy, chance = customer_of(learner_index) == BIG_CUSTOMER, draw.random()
    failed, superseded = not healthy and chance < FAILED_SHARE, not healthy and 1 - chance < SUPERSEDED_SHARE
    modified = NOW - datetime.timedelta(minutes=draw.randrange(90 * 24 * 60))
    values = {
        'enterprise_course_enrollment_id': enrollment_pk, 'course_id': course_id, 'subsection_id': subsection,
        'course_completed': True, 'completed_timestamp': int(modified.timestamp() * 1000) - 3_600_000,
        'grade': draw.choice(('Pass', 'Fail', '0.85')), 'created': modified - datetime.timedelta(days=1),
        'modified': modified, 'status': 200, 'error_message': '', 'failure_kind': '',
    }
    if failed or superseded:
        values.update(status=500 if failed else 400, error_message='{"error": "Internal Server Error"}',
                      failure_kind='refused', superseded=superseded)
    if code is not None:
        values['plugin_configuration_id'] = configuration_pk
        values[identity_field(code)] = identity(code, learner_index)
        run_ids = runs[code, configuration_pk]
        values['run_id'] = draw.choice(run_ids)
    return model(**values)


def identity_field(code):
    from enterprise_export.channels import CHANNELS

    return CHANNELS[code].identity_field


@contextlib.contextmanager
def explicit_timestamps(model):
    """``created`` and ``modified`` as given (not now), while seeding."""
    fields = [model._meta.get_field(name) for name in ('created', 'modified')]
    saved = [(field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def analyze():
    """On MySQL, the tables' statistics now (the server would recompute them within seconds anyway)."""
    from django.apps import apps
    from django.db import connection

    if connection.vendor != 'mysql':
        return  # SQLite: as Django leaves it, never analyzed
    tables = [model._meta.db_table for model in apps.get_app_config('enterprise_export').get_models()
              if model._meta.managed]
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE TABLE {", ".join(tables)}, auth_user')
        cursor.fetchall()


# The cases.

class Case:
    def __init__(self, name, url, page=True, explain=False, model_admin=None):
        self.name, self.url, self.page, self.explain, self.model_admin = name, url, page, explain, model_admin
        self.queries = []


def changelist_url(model):
    from django.urls import reverse

    return reverse(f'admin:{model._meta.app_label}_{model._meta.model_name}_changelist')


def registered(model):
    from django.contrib import admin

    return admin.site._registry[model]


def cases(population):
    """Every page asked for, in order (kept on ``population.cases`` too)."""
    from enterprise_export.channels import CHANNELS
    from enterprise_export.models import LearnerDataTransmissionAudit, TransmissionRun

    found = population.cases
    audit_models = [(code, CHANNELS[code].audit_model) for code in CHANNELS] + [('generic',
                                                                                 LearnerDataTransmissionAudit)]
    for code, model in audit_models:
        found.append(Case(f'{code} audit rows: page 1', changelist_url(model), model_admin=registered(model)))
    sap = CHANNELS['SAP'].audit_model
    sap_admin, sap_url = registered(sap), changelist_url(sap)
    sap_list = changelist(population, sap)
    last_page = (sap_list.result_count - 1) // sap_list.list_per_page + 1
    found.append(Case(f'SAP audit rows: last page ({last_page})', f'{sap_url}?p={last_page}', model_admin=sap_admin))
    for position, name in enumerate(sap_list.list_display):
        if sap_list.get_ordering_field(name) is not None:
            for sign, direction in (('', 'ascending'), ('-', 'descending')):
                found.append(Case(f'SAP audit rows: sorted by {name} {direction}', f'{sap_url}?o={sign}{position}',
                                  model_admin=sap_admin))
    for term_name, term in search_terms(population):
        found.append(Case(f'SAP audit rows: search {term_name} ({term})', f'{sap_url}?{urlencode({"q": term})}',
                          explain=True, model_admin=sap_admin))
    found.extend(filter_cases('SAP audit rows', sap_list, sap_url, sap_admin))
    failed_row = sap.objects.exclude(status=200).order_by('pk').values_list('pk', flat=True).first()
    found.append(Case(f'SAP audit row {failed_row}: view page',
                      f'{sap_url}{failed_row}/change/', page=False))
    runs_url, runs_admin = changelist_url(TransmissionRun), registered(TransmissionRun)
    found.append(Case('runs: page 1', runs_url, model_admin=runs_admin))
    found.extend(filter_cases('runs', changelist(population, TransmissionRun), runs_url, runs_admin))
    a_run = TransmissionRun.objects.values_list('run_id', flat=True).first()
    found.append(Case(f'runs: search run id ({a_run})', f'{runs_url}?q={a_run}', model_admin=runs_admin))
    for code, channel in CHANNELS.items():
        model = channel.configuration_model
        found.append(Case(f'{code} configurations: page 1 (last run, last attempt, last failure)',
                          changelist_url(model), model_admin=registered(model)))
    return found


def changelist(population, model):
    """The admin's ``ChangeList`` of ``model``'s page 1, as the superuser sees it (its columns, its filters)."""
    from django.test import RequestFactory

    request = RequestFactory().get(changelist_url(model))
    request.user = population.superuser
    return registered(model).get_changelist_instance(request)


def search_terms(population):
    """A learner of a small customer: their username, email (upper case), SAP id and an enrollment; a course."""
    index = len(population.learners) // 2 + 1 - (len(population.learners) // 2) % 2  # odd: not the big customer
    enrollment_pk = next(pk for pk, learner_index, _ in population.enrollments if learner_index == index)
    return [('username', username(index)), ('email, other case', email(index).upper()),
            ('SAP user id', identity('SAP', index)), ('enrollment id', str(enrollment_pk)),
            ('course id', course_run(3)), ('nothing matches', 'nobody@example.com')]


def filter_cases(label, change_list, url, model_admin):
    found = []
    for spec in change_list.filter_specs:
        choices = [choice for choice in spec.choices(change_list) if not choice['selected']][:FILTER_CHOICES]
        for choice in choices:
            found.append(Case(f'{label}: filter {spec.title} = {choice["display"]}',
                              f'{url}{choice["query_string"]}', model_admin=model_admin))
    return found


# Measuring.

def measure(client, case, repeat):
    """The best of ``repeat`` requests, its queries; for a list, its queries again at ``SMALL_PAGE`` rows a page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    best = None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(case.url)
            seconds = time.perf_counter() - started
        assert response.status_code == 200, (case.name, case.url, response.status_code)
        if best is None or seconds < best[0]:
            best = (seconds, list(captured.captured_queries), response.content.decode())
    seconds, queries, content = best
    line = {'case': case.name, 'database': connection.vendor, 'seconds': round(seconds, 4), 'queries': len(queries)}
    if case.page:
        line.update(page_rows=page_rows(content), results=result_count(content, case.model_admin.opts))
        small = None
        with small_pages(case.model_admin):
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(case.url)
                    seconds = time.perf_counter() - started
                if small is None or seconds < small[0]:
                    small = (seconds, len(captured), page_rows(response.content.decode()))
        line.update(seconds_at_20_per_page=round(small[0], 4), queries_at_20_per_page=small[1],
                    page_rows_at_20_per_page=small[2])
    return line, queries


@contextlib.contextmanager
def small_pages(model_admin):
    model_admin.list_per_page = SMALL_PAGE
    try:
        yield
    finally:
        del model_admin.list_per_page  # the class's value again


def page_rows(content):
    body = re.search(r'<table id="result_list">.*?<tbody>(.*?)</tbody>', content, re.S)
    return body.group(1).count('<tr') if body else 0


def result_count(content, opts):
    """The rows the list counted (its filters and search applied), as its paginator says."""
    paginator = re.search(r'<p class="paginator">(.*?)</p>', content, re.S)
    text = ' '.join(html.unescape(re.sub(r'<[^>]+>', ' ', paginator.group(1))).split()) if paginator else ''
    names = '|'.join(re.escape(str(name)) for name in (opts.verbose_name_plural, opts.verbose_name))
    found = re.search(rf'(\d+) (?:{names})', text)
    return int(found.group(1)) if found else None


def explain_page(name, queries):
    """The page's slowest query (each re-run alone and fetched whole) and its plan."""
    from django.db import connection

    timed = []
    for query in queries:
        sql = query['sql']
        if 'django_session' in sql or not sql.lstrip().upper().startswith('SELECT'):
            continue
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(sql)
            fetched = len(cursor.fetchall())
            timed.append((time.perf_counter() - started, sql, fetched))
    if not timed:
        return {'explain': name, 'plan': None}
    seconds, sql, fetched = max(timed, key=lambda found: found[0])
    return {'explain': name, 'database': connection.vendor, 'slowest_query_seconds': round(seconds, 4),
            'rows_returned': fetched, 'sql': short_sql(sql), 'plan': plan(sql),
            'other_queries': [{'seconds': round(other, 4), 'sql': short_sql(other_sql)[:200], 'plan': plan(other_sql)}
                              for other, other_sql, _ in timed if other_sql != sql]}


def short_sql(sql):
    """
    ``sql`` to read: tables without the app's prefix, a long list of columns (outside subqueries)
    as ``…``, a long ``IN`` list as its first values and its length.
    """
    sql = sql.replace('enterprise_export_', '')
    sql = re.sub(r'IN \(((?:\d+, ){3})(?:\d+, )+\d+\)',
                 lambda found: f'IN ({found.group(1)}… {found.group(0).count(",") + 1} values)', sql)
    depth = 0
    for position, character in enumerate(sql):
        depth += {'(': 1, ')': -1}.get(character, 0)
        if depth == 0 and sql.startswith(' FROM ', position):
            columns = sql[len('SELECT '):position]
            if columns.count(',') >= 4 and sql.startswith('SELECT '):
                return f'SELECT {columns.split(",")[0]}, …{sql[position:]}'
            break
    return sql


def plan(sql):
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == 'sqlite':
            cursor.execute(f'EXPLAIN QUERY PLAN {sql}')
            return [detail for _, _, _, detail in cursor.fetchall()]
        cursor.execute(f'EXPLAIN {sql}')
        columns = [column[0] for column in cursor.description]
        return [{key: value for key, value in zip(columns, row, strict=True)
                 if key in ('table', 'type', 'possible_keys', 'key', 'rows', 'Extra')} for row in cursor.fetchall()]


def summary(lines):
    slowest = max(lines, key=lambda line: line['seconds'])
    lists = [line for line in lines if 'queries_at_20_per_page' in line]
    compared = [line for line in lists if line['page_rows'] > line['page_rows_at_20_per_page']]
    grew = [line['case'] for line in compared if line['queries'] != line['queries_at_20_per_page']]
    return {'summary': {
        'database': slowest['database'], 'rows': slowest['rows'], 'pages': len(lines),
        'slowest': {'case': slowest['case'], 'seconds': slowest['seconds']},
        'all_under_1_second': all(line['seconds'] < ONE_SECOND for line in lines),
        'over_1_second': [line['case'] for line in lines if line['seconds'] >= ONE_SECOND],
        'queries_do_not_grow_with_page_rows': not grew,
        'grew': grew,
        'how_checked': (f'each list asked again with list_per_page={SMALL_PAGE} set on its registered ModelAdmin '
                        f'(default 100); queries compared on the {len(compared)} of {len(lists)} lists whose '
                        f'default page had more than {SMALL_PAGE} rows'),
        'max_queries': max(line['queries'] for line in lines),
    }}


if __name__ == '__main__':
    main()
