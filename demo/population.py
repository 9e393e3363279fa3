"""
The demo population: six customers (one per channel), their learners, and what the LMS knows.

It is a pure function of its size, so ``load_demo_data`` (the database) and the stand-in (the
LMS's answers) always agree, run after run. Each learner gets a case by their index:
passed, failed, not passed yet, an audit enrollment, no consent, refused consent, no identity
on the channel, consent on the course key only, and unknown to the LMS's grades.

``load_demo_data`` adds one more learner per customer (``refused_learner=True``): passed, with
consent and an identity on the channel, and refused by every channel of the stand-in (HTTP 400:
the stand-in refuses any completion naming ``REFUSED_LEARNER_MARKER``, which their username,
email, SAP user id and Cornerstone user guid hold), so the demo has a failed record with its
reason on each channel, run after run.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from demo.standin.channels import REFUSED_LEARNER_MARKER
from enterprise_export import models
from enterprise_export.utils import get_course_key, parse_lms_datetime

LEARNERS_PER_CUSTOMER = 72
API_USERNAME = 'enterprise_channel_worker'
SAP_IDP = 'saml-demo'  # a SAML identity provider: remote ids are social_auth uids 'demo:<id>'
SAP_IDP_SLUG = SAP_IDP.removeprefix('saml-')
CSOD_SUBDOMAIN = 'initech'

# run id, pacing, end, effort
RUNS = [
    ('course-v1:DemoX+Python101+2026_T1', 'self', '2026-03-31T00:00:00Z', '12:00'),
    ('course-v1:DemoX+Data201+2026_T2', 'self', None, '8:30'),
    ('course-v1:DemoX+Leadership+2026_T1', 'instructor', '2026-04-30T00:00:00Z', '6:00'),
    ('course-v1:DemoX+Security+2026_T3', 'instructor', '2099-12-31T00:00:00Z', '4:30'),
]

CUSTOMERS = [
    # slug, name, channel code
    ('acme', 'Acme Corporation', 'SAP'),
    ('globex', 'Globex', 'DEGREED'),
    ('hooli', 'Hooli', 'DEGREED2'),
    ('initech', 'Initech', 'CSOD'),
    ('umbrella', 'Umbrella', 'XAPI'),
    ('vandelay', 'Vandelay Industries', 'WEBHOOK'),
]

CASES = ['passed', 'passed', 'passed', 'passed', 'failed', 'not_passed_yet', 'audit', 'no_consent',
         'refused_consent', 'no_channel_identity', 'course_key_consent', 'unknown_to_lms']
# The case of the learner every channel refuses (``build_population(..., refused_learner=True)``).
REFUSED_BY_CHANNEL = 'refused_by_channel'


@dataclass(frozen=True)
class DemoLearner:
    customer_slug: str
    channel: str
    index: int
    username: str
    email: str
    course_id: str
    pacing: str
    end: str | None
    effort: str
    case: str

    @property
    def passes(self):
        return self.case in ('passed', 'no_channel_identity', 'course_key_consent', REFUSED_BY_CHANNEL)

    @property
    def number(self):
        """What the learner's identities end with: the index, or the stand-in's refusal marker."""
        return REFUSED_LEARNER_MARKER if self.case == REFUSED_BY_CHANNEL else f'{self.index:05d}'

    @property
    def sap_user_id(self):
        """The learner's SAP user id (their remote id at the SAML identity provider)."""
        return f'SAP-{self.number}'

    @property
    def user_guid(self):
        """The learner's Cornerstone user guid."""
        return f'guid-{self.number}'


def channel_urls(standin_url):
    """Where each channel lives on the stand-in at ``standin_url``."""
    return {'SAP': f'{standin_url}/sap', 'DEGREED': f'{standin_url}/degreed',
            'DEGREED2': f'{standin_url}/degreed2', 'CSOD': f'{standin_url}/csod/{{subdomain}}',
            'XAPI': f'{standin_url}/xapi', 'WEBHOOK': f'{standin_url}/webhook'}


def build_population(learners_per_customer=LEARNERS_PER_CUSTOMER, refused_learner=False):
    """
    ``learners_per_customer`` learners of each customer, a case each by their index; with
    ``refused_learner``, one more each (after them) whom every channel of the stand-in refuses.
    """
    learners = []
    for slug, _name, channel in CUSTOMERS:
        for index in range(learners_per_customer + (1 if refused_learner else 0)):
            course_id, pacing, end, effort = RUNS[index % len(RUNS)]
            if index < learners_per_customer:
                username, case = f'{slug}-learner-{index:03d}', CASES[index % len(CASES)]
            else:
                username, case = f'{slug}-{REFUSED_LEARNER_MARKER}', REFUSED_BY_CHANNEL
            learners.append(DemoLearner(slug, channel, index, username, f'{username}@example.com', course_id,
                                        pacing, end, effort, case))
    return learners


def refused_learners(population):
    """The learners of ``population`` every channel of the stand-in refuses (one per customer, or none)."""
    return [learner for learner in population if learner.case == REFUSED_BY_CHANNEL]


def reported(learner):
    """Completed, or failed with a date: the learners a channel that takes failures is sent."""
    return learner.passes or (learner.case == 'failed' and not (learner.pacing == 'self' and learner.end is None))


def expected_identities(population):
    """
    The learners each channel must receive a completion for, by the identity its payloads carry
    (SAP ``userID``, Degreed ``email``, Degreed v2 ``user-id``, Cornerstone ``userGuid``, the
    xAPI actor's and the webhook learner's email); see ``received_identities``.
    """
    expected = {'SAP': set(), 'DEGREED': set(), 'DEGREED2': set(), 'CSOD': set(), 'XAPI': set(), 'WEBHOOK': set()}
    for learner in population:
        has_identity = learner.case != 'no_channel_identity'
        if learner.case == REFUSED_BY_CHANNEL:
            continue  # refused by the channel: it never holds their completion
        if learner.channel == 'SAP' and reported(learner) and has_identity:
            expected['SAP'].add(learner.sap_user_id)
        elif learner.channel in ('DEGREED', 'DEGREED2') and learner.passes:
            expected[learner.channel].add(learner.email)
        elif learner.channel == 'CSOD' and learner.passes and has_identity:
            expected['CSOD'].add(learner.user_guid)
        elif learner.channel in ('XAPI', 'WEBHOOK') and reported(learner):
            expected[learner.channel].add(learner.email)  # the email is the identity: every learner has one
    return expected


def received_identities(channel, payload):
    """The learner identities in one payload the stand-in received for ``channel`` (as ``received`` keeps them)."""
    if channel == 'SAP':
        return [payload['userID']]
    if channel == 'DEGREED':
        return [item['email'] for item in payload['completions']]
    if channel == 'DEGREED2':
        return [payload['data']['attributes']['user-id']]
    if channel == 'XAPI':
        return [payload['actor']['mbox'].removeprefix('mailto:')]
    if channel == 'WEBHOOK':
        return [payload['learner']['email']]
    return [item['userGuid'] for item in payload['payload']]


def fill_lms(lms, population):
    """Give the stand-in's LMS the courses, enrollments, grades, certificates and remote ids of ``population``."""
    for course_id, pacing, end, effort in RUNS:
        lms.add_course(course_id, pacing=pacing, end=end, effort=effort, name=course_id.split('+')[1])
    for learner in population:
        mode = 'audit' if learner.case == 'audit' else 'verified'
        lms.add_enrollment(learner.username, learner.course_id, mode=mode)
        if learner.case == 'unknown_to_lms':
            continue
        if learner.pacing == 'self':
            lms.add_grade(learner.username, learner.course_id, passed=learner.passes,
                          percent=0.86 if learner.passes else 0.31)
        elif learner.case != 'not_passed_yet':
            lms.add_certificate(learner.username, learner.course_id, is_passing=learner.passes,
                                created_date='2026-05-15T09:30:00Z', grade='0.86' if learner.passes else '0.31')
        if learner.channel == 'SAP' and learner.case != 'no_channel_identity':
            lms.remote_ids[(SAP_IDP, learner.username)] = learner.sap_user_id


def load_lms_rows(population):
    """
    Write what the LMS knows of ``population`` into the LMS's tables (``demo.lms``), replacing
    the demo runs' rows: what the database source reads, and what the stand-in serves
    (``demo.lms.rows.serve_rows``). A learner ``unknown_to_lms`` has no enrollment row.
    """
    from demo.lms import models as tables  # noqa: PLC0415 - only where the demo's LMS tables are installed

    run_ids = [course_id for course_id, *_ in RUNS]
    for table in (tables.CourseEnrollment, tables.PersistentCourseGrade, tables.GeneratedCertificate):
        table.objects.filter(course_id__in=run_ids).delete()
    tables.CourseOverview.objects.filter(id__in=run_ids).delete()
    tables.UserSocialAuth.objects.filter(provider='tpa-saml', uid__startswith=f'{SAP_IDP_SLUG}:').delete()
    tables.CourseOverview.objects.bulk_create([
        tables.CourseOverview(id=course_id, self_paced=pacing == 'self', effort=effort,
                              end=parse_lms_datetime(end) if end else None)
        for course_id, pacing, end, effort in RUNS])
    user_ids = dict(get_user_model().objects.filter(
        username__in=[learner.username for learner in population]).values_list('username', 'pk'))
    rows = {table: [] for table in (tables.CourseEnrollment, tables.PersistentCourseGrade,
                                    tables.GeneratedCertificate, tables.UserSocialAuth)}
    for learner in population:
        user_id = user_ids[learner.username]
        if learner.case == 'unknown_to_lms':
            continue
        rows[tables.CourseEnrollment].append(tables.CourseEnrollment(
            user_id=user_id, course_id=learner.course_id, mode='audit' if learner.case == 'audit' else 'verified'))
        percent = 0.86 if learner.passes else 0.31
        if learner.pacing == 'self':
            rows[tables.PersistentCourseGrade].append(tables.PersistentCourseGrade(
                user_id=user_id, course_id=learner.course_id, percent_grade=percent,
                letter_grade='Pass' if learner.passes else ''))
        elif learner.case != 'not_passed_yet':
            rows[tables.GeneratedCertificate].append(tables.GeneratedCertificate(
                user_id=user_id, course_id=learner.course_id, grade=str(percent),
                status='downloadable' if learner.passes else 'notpassing',
                created_date=parse_lms_datetime('2026-05-15T09:30:00Z')))
        if learner.channel == 'SAP' and learner.case != 'no_channel_identity':
            rows[tables.UserSocialAuth].append(tables.UserSocialAuth(
                user_id=user_id, provider='tpa-saml', uid=f'{SAP_IDP_SLUG}:{learner.sap_user_id}'))
    for table, table_rows in rows.items():
        table.objects.bulk_create(table_rows, batch_size=1000)


def load_population(population, channel_base_urls):
    """
    Write ``population`` to the database (idempotent), with one channel configuration per customer
    pointing at ``channel_base_urls`` (``channel_urls``: a URL per channel code).
    """
    user_model = get_user_model()
    user_model.objects.get_or_create(username=API_USERNAME, defaults={'email': f'{API_USERNAME}@example.com'})
    customers = {}
    for slug, name, channel in CUSTOMERS:
        customer, _ = models.get_customer_model()._default_manager.get_or_create(slug=slug, defaults={'name': name})
        customers[slug] = customer
        _configure_channel(channel, customer, channel_base_urls[channel])
    if models.get_enrollment_model()._base_manager.exists():
        for learner in population:
            _load_learner(learner, customers[learner.customer_slug], user_model)
    else:
        _bulk_load(population, customers, user_model)


def point_configurations_at(channel_base_urls):
    """Point the demo customers' channel configurations at ``channel_base_urls`` (the stand-in's port changes)."""
    for slug, _name, channel in CUSTOMERS:
        customer = models.get_customer_model()._default_manager.filter(slug=slug).first()
        if customer is not None:
            _configure_channel(channel, customer, channel_base_urls[channel])


def _configure_channel(channel, customer, base_url):
    if channel == 'SAP':
        models.SAPSuccessFactorsEnterpriseCustomerConfiguration.objects.update_or_create(
            enterprise_customer=customer,
            defaults={'sapsf_base_url': base_url, 'sapsf_company_id': 'ACME', 'key': 'sap-client-id',
                      'secret': 'sap-client-secret', 'idp_id': SAP_IDP, 'transmit_total_hours': True})
    elif channel == 'DEGREED':
        models.DegreedEnterpriseCustomerConfiguration.objects.update_or_create(
            enterprise_customer=customer,
            defaults={'degreed_base_url': base_url, 'degreed_company_id': 'GLOBEX', 'key': 'degreed-client-id',
                      'secret': 'degreed-client-secret'})
    elif channel == 'DEGREED2':
        models.Degreed2EnterpriseCustomerConfiguration.objects.update_or_create(
            enterprise_customer=customer,
            defaults={'degreed_base_url': base_url, 'client_id': 'degreed2-client-id',
                      'client_secret': 'degreed2-client-secret'})
    elif channel == 'XAPI':
        models.XAPIEnterpriseCustomerConfiguration.objects.update_or_create(
            enterprise_customer=customer,
            defaults={'lrs_endpoint': base_url, 'key': 'lrs-user', 'secret': 'lrs-password'})
    elif channel == 'WEBHOOK':
        models.WebhookEnterpriseCustomerConfiguration.objects.update_or_create(
            enterprise_customer=customer,
            defaults={'url': base_url, 'signing_secret': 'whsec-0123456789abcdef0123456789abcdef'})
    else:
        models.CornerstoneEnterpriseCustomerConfiguration.objects.update_or_create(
            enterprise_customer=customer,
            defaults={'cornerstone_base_url': base_url, 'key': 'csod-user', 'secret': 'csod-password',
                      'allowed_subdomains': [CSOD_SUBDOMAIN]})


def _load_learner(learner, customer, user_model):
    user, _ = user_model.objects.get_or_create(username=learner.username, defaults={'email': learner.email})
    customer_user, _ = models.get_customer_user_model()._base_manager.get_or_create(
        enterprise_customer=customer, user_id=user.pk)
    models.get_enrollment_model()._base_manager.get_or_create(
        enterprise_customer_user=customer_user, course_id=learner.course_id)
    course_key = get_course_key(learner.course_id)
    if learner.case != 'no_consent':
        consent_course = course_key if learner.case == 'course_key_consent' else learner.course_id
        models.get_consent_model()._default_manager.update_or_create(
            enterprise_customer=customer, username=user.username, course_id=consent_course,
            defaults={'granted': learner.case != 'refused_consent'})
    if learner.channel == 'CSOD' and learner.case != 'no_channel_identity':
        models.CornerstoneLearnerIdentity.objects.update_or_create(
            enterprise_customer_user=customer_user, course_id=course_key,
            defaults={'user_guid': learner.user_guid, 'session_token': f'session-{learner.number}',
                      'callback_url': '/services/api/progress-callback', 'subdomain': CSOD_SUBDOMAIN})


def _bulk_load(population, customers, user_model, batch_size=1000):
    """The first load of a large population: a few statements per thousand learners, not per learner."""
    user_model.objects.bulk_create([user_model(username=learner.username, email=learner.email)
                                    for learner in population], batch_size=batch_size, ignore_conflicts=True)
    user_ids = dict(user_model.objects.filter(username__in=[learner.username for learner in population])
                    .values_list('username', 'pk'))
    learner_model, enrollment_model, consent_model = (
        models.get_customer_user_model(), models.get_enrollment_model(), models.get_consent_model())
    learner_model._base_manager.bulk_create([
        learner_model(enterprise_customer=customers[learner.customer_slug], user_id=user_ids[learner.username])
        for learner in population], batch_size=batch_size, ignore_conflicts=True)
    learner_ids = {(customer_id, user_id): pk for pk, customer_id, user_id in
                   learner_model._base_manager.values_list('pk', 'enterprise_customer_id', 'user_id')}

    def learner_id(learner):
        return learner_ids[(customers[learner.customer_slug].pk, user_ids[learner.username])]

    enrollment_model._base_manager.bulk_create([
        enrollment_model(enterprise_customer_user_id=learner_id(learner), course_id=learner.course_id)
        for learner in population], batch_size=batch_size)
    consent_model._base_manager.bulk_create([
        consent_model(
            enterprise_customer=customers[learner.customer_slug], username=learner.username,
            course_id=get_course_key(learner.course_id) if learner.case == 'course_key_consent' else learner.course_id,
            granted=learner.case != 'refused_consent')
        for learner in population if learner.case != 'no_consent'], batch_size=batch_size)
    models.CornerstoneLearnerIdentity.objects.bulk_create([
        models.CornerstoneLearnerIdentity(
            enterprise_customer_user_id=learner_id(learner), course_id=get_course_key(learner.course_id),
            user_guid=learner.user_guid, session_token=f'session-{learner.number}',
            callback_url='/services/api/progress-callback', subdomain=CSOD_SUBDOMAIN)
        for learner in population if learner.channel == 'CSOD' and learner.case != 'no_channel_identity'],
        batch_size=batch_size)
