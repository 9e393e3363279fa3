"""
Data model of enterprise_export: customers, their learners and enrollments, consent, and audits.

The four source models (customers, learners, enrollments, consent) are swappable (SPEC section
12): in an LMS they are edx-enterprise's. Code reaches them only through ``get_customer_model()``,
``get_customer_user_model()``, ``get_enrollment_model()`` and ``get_consent_model()``, and foreign
keys name their settings. Models import no clients, exporters or transmitters (see
``enterprise_export.channels``).
"""

import uuid
from functools import cached_property

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models

from enterprise_export import validators
from enterprise_export.failures import FailureKind
from enterprise_export.fields import EncryptedCharField, SubdomainListField
from enterprise_export.utils import get_course_key

CUSTOMER_MODEL = 'ENTERPRISE_EXPORT_CUSTOMER_MODEL'
CUSTOMER_USER_MODEL = 'ENTERPRISE_EXPORT_CUSTOMER_USER_MODEL'
ENROLLMENT_MODEL = 'ENTERPRISE_EXPORT_ENROLLMENT_MODEL'
CONSENT_MODEL = 'ENTERPRISE_EXPORT_CONSENT_MODEL'


def _source_model(setting_name):
    """The model a source-model setting names (``app_label.ModelName``), like ``get_user_model``."""
    label = getattr(settings, setting_name)
    try:
        return django_apps.get_model(label, require_ready=False)
    except ValueError as error:
        raise ImproperlyConfigured(f"{setting_name} must be of the form 'app_label.model_name'") from error
    except LookupError as error:
        raise ImproperlyConfigured(f"{setting_name} refers to model '{label}' that has not been installed") from error


def get_customer_model():
    """The enterprise customer model in use (``ENTERPRISE_EXPORT_CUSTOMER_MODEL``)."""
    return _source_model(CUSTOMER_MODEL)


def get_customer_user_model():
    """The learner model in use (``ENTERPRISE_EXPORT_CUSTOMER_USER_MODEL``)."""
    return _source_model(CUSTOMER_USER_MODEL)


def get_enrollment_model():
    """The enterprise enrollment model in use (``ENTERPRISE_EXPORT_ENROLLMENT_MODEL``)."""
    return _source_model(ENROLLMENT_MODEL)


def get_consent_model():
    """The data-sharing consent model in use (``ENTERPRISE_EXPORT_CONSENT_MODEL``)."""
    return _source_model(CONSENT_MODEL)


def source_models_swapped():
    """True when the source models are another app's (edx-enterprise's in an LMS)."""
    return get_customer_model()._meta.app_label != 'enterprise_export'


class EnterpriseCustomer(models.Model):
    """A company that buys courses for its employees."""

    uuid = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=30, unique=True)
    active = models.BooleanField(default=True)
    enable_audit_enrollment = models.BooleanField(
        default=False, help_text='Learners of this customer may enroll in audit mode.',
    )
    enable_audit_data_reporting = models.BooleanField(
        default=False, help_text='Report audit enrollments too (needs audit enrollment enabled).',
    )

    class Meta:
        ordering = ['name']
        swappable = CUSTOMER_MODEL

    def __str__(self):
        return f'{self.name} ({self.slug})'

    @property
    def enables_audit_data_reporting(self):
        """Audit enrollments are reported only when both audit flags are on."""
        return self.enable_audit_enrollment and self.enable_audit_data_reporting


class LinkedEnterpriseCustomerUserManager(models.Manager):
    """Hides learners who were unlinked from their customer."""

    def get_queryset(self):
        return super().get_queryset().filter(linked=True)


class EnterpriseCustomerUser(models.Model):
    """
    One employee (a Django user of the LMS) linked to one customer.

    .. pii: user_id points at the LMS user; username and email are read from there, not stored.
    .. pii_types: id
    .. pii_retirement: local_api
    """

    enterprise_customer = models.ForeignKey(
        settings.ENTERPRISE_EXPORT_CUSTOMER_MODEL, on_delete=models.CASCADE, related_name='enterprise_customer_users',
    )
    user_id = models.PositiveIntegerField(db_index=True, help_text="The LMS user's id.")
    active = models.BooleanField(default=True)
    linked = models.BooleanField(default=True)

    objects = LinkedEnterpriseCustomerUserManager()
    all_objects = models.Manager()  # noqa: DJ012 (a second manager, not a field)

    class Meta:
        unique_together = [('enterprise_customer', 'user_id')]
        base_manager_name = 'all_objects'
        swappable = CUSTOMER_USER_MODEL

    def __str__(self):
        return f'learner {self.pk} of {self.enterprise_customer_id}'

    @cached_property
    def user(self):
        """The Django user, or None when it no longer exists (the exporter loads a chunk's at once)."""
        return get_user_model().objects.filter(pk=self.user_id).first()

    @property
    def username(self):
        user = self.user
        return user.username if user else None

    @property
    def user_email(self):
        user = self.user
        return user.email if user else None


class EnterpriseCourseEnrollment(models.Model):
    """A learner's enrollment in one course run, made through the customer."""

    enterprise_customer_user = models.ForeignKey(
        settings.ENTERPRISE_EXPORT_CUSTOMER_USER_MODEL, on_delete=models.CASCADE, related_name='enterprise_enrollments',
    )
    course_id = models.CharField(max_length=255, help_text='The course run key.')
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        unique_together = [('enterprise_customer_user', 'course_id')]
        # The exporter reads enrollments in keyset pages ordered by (course_id, id).
        indexes = [models.Index(fields=['course_id', 'id'], name='ee_enrollment_keyset')]
        swappable = ENROLLMENT_MODEL

    def __str__(self):
        return f'enrollment {self.pk} in {self.course_id}'


def consent_course_ids(course_id):
    """Where a learner's consent for a run may be recorded, in the order asked: the run, then its course key."""
    candidates = [course_id]
    course_key = get_course_key(course_id)
    if course_key and course_key != course_id:
        candidates.append(course_key)
    return candidates


def has_granted_consent(*, username, course_id, enterprise_customer):
    """True when the learner granted consent for the run (``granted_consents`` for one learner)."""
    return bool(granted_consents(enterprise_customer, [(username, course_id)]))


def granted_consents(enterprise_customer, learner_runs):
    """
    The ``(username, course run id)`` pairs of ``learner_runs`` whose learner granted consent, in
    one query: SPEC section 1's rule on the consent model in use, asked of the database alone.

    The run's row, else the course key's row; granted only when that row says True. Not
    edx-enterprise's ``proxied_get``, which asks the course catalog for the course key.
    """
    learner_runs = set(learner_runs)
    if not learner_runs:
        return set()
    candidates = {run: consent_course_ids(run) for run in {run for _, run in learner_runs}}
    rows = {
        (username, course_id): granted
        for username, course_id, granted in get_consent_model()._default_manager.filter(
            enterprise_customer=enterprise_customer,
            username__in={username for username, _ in learner_runs},
            course_id__in={course_id for run_candidates in candidates.values() for course_id in run_candidates},
        ).values_list('username', 'course_id', 'granted')
    }
    return {
        (username, run) for username, run in learner_runs
        if next((bool(rows[username, course_id]) for course_id in candidates[run] if (username, course_id) in rows),
                False)
    }


class DataSharingConsentManager(models.Manager):
    """Finds a learner's consent for a course run, falling back to its course key."""

    def proxied_get(self, *, username, course_id, enterprise_customer):
        """
        Return the consent for this run, else for the run's course key, else an unsaved refusal.

        A learner with no consent row therefore counts as not having consented.
        """
        candidates = consent_course_ids(course_id)
        rows = {
            consent.course_id: consent
            for consent in self.filter(
                enterprise_customer=enterprise_customer, username=username, course_id__in=candidates,
            )
        }
        for candidate in candidates:
            if candidate in rows:
                return rows[candidate]
        return self.model(
            enterprise_customer=enterprise_customer, username=username, course_id=course_id, granted=False,
        )


class DataSharingConsent(models.Model):
    """
    Whether a learner lets the customer see their data for a course run or course.

    .. pii: username identifies the learner.
    .. pii_types: username
    .. pii_retirement: local_api
    """

    enterprise_customer = models.ForeignKey(
        settings.ENTERPRISE_EXPORT_CUSTOMER_MODEL, on_delete=models.CASCADE, related_name='data_sharing_consents',
    )
    username = models.CharField(max_length=150)
    course_id = models.CharField(max_length=255, help_text='A course run key or a course key.')
    granted = models.BooleanField(null=True)

    objects = DataSharingConsentManager()

    class Meta:
        unique_together = [('enterprise_customer', 'username', 'course_id')]
        swappable = CONSENT_MODEL

    def __str__(self):
        state = {True: 'granted', False: 'refused', None: 'not given'}[self.granted]
        return f'consent {state} for {self.course_id}'


def requests_per_minute_field(default):
    """A configuration's rate limit: channel calls (tokens included) in any 60 seconds; 0: none."""
    return models.PositiveIntegerField(
        'channel calls per minute', default=default, validators=[validators.validate_requests_per_minute],
        help_text='Most calls to the channel (tokens included) in any 60 seconds of a run; 0: no limit.',
    )


class EnterpriseCustomerPluginConfiguration(models.Model):
    """
    What every channel configuration has: its customer, on/off, chunk size and worker user.

    Subclasses set ``channel_code`` and add their channel's connection fields.
    """

    channel_code = None
    # The field that names this app to the channel (OAuth client id, basic-auth user): part of a cached token's key.
    client_id_field = 'key'
    # Besides every ``*_base_url`` field: what decides where the channel's credentials go (SPEC 20).
    DESTINATION_PATH_FIELDS = ('oauth_api_path', 'completion_status_api_path')

    # The reverse names carry this app's label: edx-enterprise's own configurations of the same
    # class names point at the same customer model in an LMS.
    enterprise_customer = models.ForeignKey(
        settings.ENTERPRISE_EXPORT_CUSTOMER_MODEL, on_delete=models.CASCADE, verbose_name='enterprise customer',
        related_name='enterprise_export_%(class)ss', related_query_name='enterprise_export_%(class)s',
        help_text="The customer whose learners' completions this configuration sends.",
    )
    active = models.BooleanField(
        'active', default=True,
        help_text='Runs send through this configuration only while it and its customer are active.',
    )
    transmission_chunk_size = models.PositiveIntegerField(
        'enrollments per chunk', default=500, validators=[validators.validate_transmission_chunk_size],
        help_text='Enrollments read and exported together (at least 1).',
    )
    channel_worker_username = models.CharField(
        'LMS worker username', max_length=255, blank=True,
        help_text='The LMS user single-learner exports run as; blank: ENTERPRISE_CHANNEL_WORKER_USERNAME.',
    )
    imported_from_id = models.PositiveIntegerField(
        'imported from (integrated channels id)', null=True, blank=True, unique=True, editable=False,
        help_text="The id of edx-enterprise's configuration this one was imported from (import_integrated_channels).",
    )
    requests_per_minute = requests_per_minute_field(0)
    created = models.DateTimeField('created', auto_now_add=True, help_text='When this configuration was added.')
    modified = models.DateTimeField('modified', auto_now=True, help_text='When this configuration was last saved.')

    class Meta:
        abstract = True

    def __str__(self):
        return f'{self.channel_code} configuration {self.pk} of {self.enterprise_customer_id}'

    @classmethod
    def destination_field_names(cls):
        """The fields that decide where the credentials go: changing one needs every secret typed again."""
        return [field.name for field in cls._meta.concrete_fields
                if field.name.endswith('_base_url') or field.name in cls.DESTINATION_PATH_FIELDS]

    def token_scope(self):
        """What a channel token is good for: this configuration, where it is sent, and the client it names."""
        return (self.pk, *(getattr(self, name) for name in self.destination_field_names()),
                getattr(self, self.client_id_field, ''))


class EnterpriseCustomerAdmin(models.Model):
    """
    A user who may read one customer's transmissions through the API (SPEC 15), besides staff.

    .. pii: user_id points at the LMS user.
    .. pii_types: id
    .. pii_retirement: local_api
    """

    enterprise_customer = models.ForeignKey(
        settings.ENTERPRISE_EXPORT_CUSTOMER_MODEL, on_delete=models.CASCADE, related_name='export_admins',
    )
    user_id = models.PositiveIntegerField(help_text="The LMS user's id.")

    class Meta:
        unique_together = [('enterprise_customer', 'user_id')]
        verbose_name = 'enterprise customer admin'

    def __str__(self):
        return f'admin {self.user_id} of {self.enterprise_customer_id}'


class BaseLearnerDataTransmissionAudit(models.Model):
    """
    The fields every transmission audit has: what was (or was to be) sent and how it went.

    ``subsection_id`` is blank for course-level rows. ``status`` is the channel's HTTP status,
    null until sent or when no answer came; ``error_message`` says what went wrong, in the
    channel's words; ``failure_kind`` says what kind of failure it was, as operators read it
    (blank when sent, and on rows that came without one: their status then says).
    """

    enterprise_course_enrollment_id = models.PositiveIntegerField(db_index=True)
    course_id = models.CharField(max_length=255)
    subsection_id = models.CharField(max_length=255, blank=True, default='')
    course_completed = models.BooleanField(default=False)
    completed_timestamp = models.BigIntegerField(null=True, blank=True, help_text='Epoch milliseconds.')
    grade = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001 (None: no grade known)
    status = models.PositiveSmallIntegerField(null=True, blank=True, help_text='HTTP status of the last attempt.')
    error_message = models.TextField(blank=True, default='')
    failure_kind = models.CharField(
        max_length=20, choices=FailureKind.choices, blank=True, default='',
        help_text='What kind of failure the last attempt was; blank when it was sent.',
    )
    superseded = models.BooleanField(
        default=False,
        help_text="A failed row whose enrollment's completion went through by its other course id (course key "
                  'or run id): no longer a failure.',
    )
    run_id = models.UUIDField(
        null=True, blank=True, db_index=True,
        help_text='The run that last sent this record or recorded its answer (see the transmission runs).',
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f'{type(self).__name__} for enrollment {self.enterprise_course_enrollment_id} in {self.course_id}'

    # Answers besides 2xx that mean the channel holds the record (xAPI's 409: it already has that
    # statement): such a row counts as sent everywhere (SPEC 7, 11, 15, 17).
    ALSO_SENT_STATUSES = ()

    @property
    def sent_successfully(self):
        """True when the last attempt got a 2xx answer (or one of ``ALSO_SENT_STATUSES``) and left no error."""
        if self.status is None or self.error_message:
            return False
        return 200 <= self.status < 300 or self.status in self.ALSO_SENT_STATUSES


class LearnerDataTransmissionAudit(BaseLearnerDataTransmissionAudit):
    """The channel-independent audit record the generic exporter yields."""

    class Meta:
        # The admin's "send again" (SPEC 20): not implied by any view or change permission.
        permissions = [('send_again', 'Can send failed completions again')]


class SAPSuccessFactorsEnterpriseCustomerConfiguration(EnterpriseCustomerPluginConfiguration):
    """How to reach a customer's SAP SuccessFactors tenant."""

    channel_code = 'SAP'

    sapsf_base_url = models.URLField(
        'SAP SuccessFactors base URL', validators=[validators.validate_base_url],
        help_text="The API host of the customer's SuccessFactors tenant, e.g. https://api4.successfactors.com",
    )
    sapsf_company_id = models.CharField(
        'SAP company id', max_length=255,
        help_text="The company id of the customer's SuccessFactors instance (companyId in SAP's token request).",
    )
    requests_per_minute = requests_per_minute_field(100)  # SAP's published limit for learning events
    key = EncryptedCharField(
        'OAuth client id', max_length=255,
        help_text="The client id of the OAuth client registered in SuccessFactors' OAuth2 client applications.",
    )
    secret = EncryptedCharField(
        'OAuth client secret', max_length=255, help_text='The secret of that OAuth client (encrypted at rest).',
    )
    user_type = models.CharField(
        'SAP user type', max_length=20, default='user',
        help_text='userType in the token request: "user" (a token acts as the learner) or "admin".',
    )
    idp_id = models.CharField(
        'Identity provider (LMS third-party auth) id', max_length=255,
        help_text="The LMS's third-party auth provider (e.g. saml-acme) whose remote ids are the learners' "
                  'SAP user ids.',
    )
    provider_id = models.CharField(
        'SAP provider id', max_length=100, default='EDX',
        help_text='providerID of the learning events: the content provider id set up for this LMS in SAP.',
    )
    transmit_total_hours = models.BooleanField(
        'send total hours', default=False,
        help_text="Send the course's effort (its hours) as totalHours of each learning event.",
    )
    oauth_api_path = models.CharField(
        'OAuth token path', max_length=255, default='learning/oauth-api/rest/v1/token',
        help_text='Where tokens are asked for, after the base URL.',
    )
    completion_status_api_path = models.CharField(
        'completion path', max_length=255,
        default='learning/odatav4/public/admin/ocn/v1/current-user/item/learning-event',
        help_text="Where a learner's learning events are posted, after the base URL.",
    )
    prevent_self_submit_grades = models.BooleanField(
        'send through the SAP admin API', default=False,
        help_text="Send completions through SAP's admin API, with one token for the SAP admin user id below, "
                  "instead of a token per learner.",
    )
    sapsf_user_id = models.CharField(
        'SAP admin user id', max_length=255, blank=True,
        help_text='The SAP user the admin API acts as (needed when sending through the SAP admin API).',
    )

    class Meta:
        verbose_name = 'SAP SuccessFactors configuration'

    def clean(self):
        super().clean()
        if self.prevent_self_submit_grades and not self.sapsf_user_id:
            raise ValidationError({'sapsf_user_id': "SAP's admin API needs the SAP user it acts as."})


class DegreedEnterpriseCustomerConfiguration(EnterpriseCustomerPluginConfiguration):
    """How to reach a customer's Degreed organisation."""

    channel_code = 'DEGREED'

    degreed_base_url = models.URLField(
        'Degreed base URL', validators=[validators.validate_base_url],
        help_text="Degreed's API host, e.g. https://api.degreed.com",
    )
    degreed_company_id = models.CharField(
        'Degreed organisation code', max_length=255,
        help_text="The customer's organisation code at Degreed (orgCode of each completion).",
    )
    requests_per_minute = requests_per_minute_field(70)  # Degreed's published limit
    key = EncryptedCharField(
        'OAuth client id', max_length=255, help_text='The client id Degreed issued for this integration.',
    )
    secret = EncryptedCharField(
        'OAuth client secret', max_length=255, help_text='The secret of that OAuth client (encrypted at rest).',
    )
    oauth_api_path = models.CharField(
        'OAuth token path', max_length=255, default='oauth/token',
        help_text='Where tokens are asked for, after the base URL.',
    )
    completion_status_api_path = models.CharField(
        'completion path', max_length=255, default='api/v1/provider/completion/course',
        help_text='Where completions are posted, after the base URL.',
    )

    class Meta:
        verbose_name = 'Degreed configuration'


class Degreed2EnterpriseCustomerConfiguration(EnterpriseCustomerPluginConfiguration):
    """How to reach a customer's Degreed organisation through Degreed's v2 completions API."""

    channel_code = 'DEGREED2'
    client_id_field = 'client_id'

    client_id = EncryptedCharField(
        'OAuth client id', max_length=255,
        help_text="The client id Degreed issued for this integration (its scope includes completions:write).",
    )
    client_secret = EncryptedCharField(
        'OAuth client secret', max_length=255, help_text='The secret of that OAuth client (encrypted at rest).',
    )
    requests_per_minute = requests_per_minute_field(70)  # Degreed's published limit
    degreed_base_url = models.URLField(
        'Degreed API base URL', validators=[validators.validate_base_url],
        help_text="Degreed's API host, e.g. https://api.degreed.com",
    )
    degreed_token_fetch_base_url = models.URLField(
        'Degreed token base URL', blank=True, validators=[validators.validate_base_url],
        help_text='Where tokens are asked for, e.g. https://degreed.com; blank: the API base URL.',
    )
    oauth_api_path = models.CharField(
        'OAuth token path', max_length=255, default='oauth/token',
        help_text='Where tokens are asked for, after the token base URL.',
    )
    completion_status_api_path = models.CharField(
        'completions path', max_length=255, default='api/v2/completions',
        help_text='Where completions are posted, after the API base URL.',
    )

    class Meta:
        verbose_name = 'Degreed v2 configuration'

    @property
    def token_base_url(self):
        """The base URL of the token endpoint: ``degreed_token_fetch_base_url``, else ``degreed_base_url``."""
        return self.degreed_token_fetch_base_url or self.degreed_base_url


class CornerstoneEnterpriseCustomerConfiguration(EnterpriseCustomerPluginConfiguration):
    """How to reach a customer's Cornerstone portal."""

    channel_code = 'CSOD'

    cornerstone_base_url = models.CharField(
        'Cornerstone portal URL', max_length=255, validators=[validators.validate_cornerstone_base_url],
        help_text='e.g. https://{subdomain}.csod.com; {subdomain} is filled from the learner\'s launch.',
    )
    key = EncryptedCharField(
        'Cornerstone API user', max_length=255,
        help_text='The basic-auth user Cornerstone gave this integration for progress callbacks.',
    )
    secret = EncryptedCharField(
        'Cornerstone API password', max_length=255,
        help_text="That user's basic-auth password (encrypted at rest).",
    )
    completion_status_api_path = models.CharField(
        'progress path', max_length=255, default='/progress',
        help_text="Where progress is posted, after the portal URL and the launch's callback path.",
    )
    allowed_subdomains = SubdomainListField(
        'allowed Cornerstone portals',
        help_text="The Cornerstone portals (subdomains) whose launches may set this customer's learners' "
                  "identities; none: no launch is accepted.",
    )

    class Meta:
        verbose_name = 'Cornerstone configuration'

    def allows_subdomain(self, subdomain):
        """True when a launch from ``subdomain`` may write identities for this customer (case-insensitive)."""
        return subdomain.lower() in {allowed.lower() for allowed in self.allowed_subdomains or ()}


class XAPIEnterpriseCustomerConfiguration(EnterpriseCustomerPluginConfiguration):
    """How to reach a customer's Learning Record Store (xAPI statements, HTTP basic auth)."""

    channel_code = 'XAPI'
    DESTINATION_PATH_FIELDS = ('lrs_endpoint',)

    lrs_endpoint = models.URLField(
        'LRS endpoint', validators=[validators.validate_base_url],
        help_text="The LRS's base, e.g. https://lrs.example.com/xAPI; statements go to {lrs_endpoint}/statements.",
    )
    version = models.CharField(
        'xAPI version', max_length=16, default='1.0.3', help_text='The X-Experience-API-Version header.',
    )
    key = EncryptedCharField(
        'LRS key', max_length=255, help_text="The LRS client's key (its basic-auth user).",
    )
    secret = EncryptedCharField(
        'LRS secret', max_length=255, help_text="The LRS client's secret (its basic-auth password, encrypted at rest).",
    )
    activity_base_url = models.URLField(
        'activity base URL', blank=True, help_text="The base of the statements' activity ids; blank: LMS_ROOT_URL.",
    )

    class Meta:
        verbose_name = 'xAPI LRS configuration'


def validate_signing_secret(value):
    if len(value or '') < 32:
        raise ValidationError('Enter a signing secret of at least 32 characters.', code='short_signing_secret')


class WebhookEnterpriseCustomerConfiguration(EnterpriseCustomerPluginConfiguration):
    """Where a customer's completions are POSTed as signed webhook events."""

    channel_code = 'WEBHOOK'
    client_id_field = 'url'
    DESTINATION_PATH_FIELDS = ('url',)

    url = models.URLField(
        'Webhook URL', max_length=500, validators=[validators.validate_base_url],
        help_text='The receiver, e.g. https://hooks.example.com/completions (https; http only to a loopback host).',
    )
    signing_secret = EncryptedCharField(
        'signing secret', max_length=255, validators=[validate_signing_secret],
        help_text='The HMAC-SHA256 key of the Enterprise-Export-Signature header, at least 32 characters '
                  '(encrypted at rest).',
    )
    bearer_token = EncryptedCharField(
        'bearer token', max_length=255, blank=True,
        help_text='Sent as "Authorization: Bearer <token>" when set (encrypted at rest).',
    )

    class Meta:
        verbose_name = 'webhook configuration'


class CornerstoneLearnerIdentity(models.Model):
    """
    Where Cornerstone wants a learner's progress sent, saved when the learner launches a course from it.

    .. pii: user_guid identifies the learner at Cornerstone; session_token is a credential.
    .. pii_types: id
    .. pii_retirement: local_api
    """

    enterprise_customer_user = models.ForeignKey(
        settings.ENTERPRISE_EXPORT_CUSTOMER_USER_MODEL, on_delete=models.CASCADE,
        related_name='enterprise_export_cornerstone_identities',
    )
    course_id = models.CharField(max_length=255, validators=[validators.validate_course_key],
                                 help_text='The course key.')
    user_guid = models.CharField(max_length=255)
    session_token = EncryptedCharField(
        max_length=255, help_text="The learner's Cornerstone session, from the launch (encrypted at rest).",
    )
    callback_url = models.CharField(max_length=255, validators=[validators.validate_callback_url])
    subdomain = models.CharField(max_length=63, validators=[validators.validate_subdomain])
    modified = models.DateTimeField(auto_now=True)

    # What the admin lists, and what it never shows (a credential of the learner's Cornerstone session).
    listed_fields = ('id', 'enterprise_customer_user', 'course_id', 'subdomain', 'modified')
    credential_fields = ('session_token',)
    # What an operator reads in the log when no key of ENTERPRISE_EXPORT_SECRET_KEYS decrypts a token.
    unreadable_secret_effect = ("the learner's Cornerstone records fail until they launch the course from "
                                'Cornerstone again (or the key that made it is put back)')

    class Meta:
        unique_together = [('enterprise_customer_user', 'course_id')]
        verbose_name_plural = 'Cornerstone learner identities'

    def __str__(self):
        return f'Cornerstone identity of learner {self.enterprise_customer_user_id} for {self.course_id}'


def _one_row_per_attempt_target(model_name):
    return [models.UniqueConstraint(
        fields=['plugin_configuration_id', 'enterprise_course_enrollment_id', 'course_id', 'subsection_id'],
        name=f'{model_name}_one_row_per_target',
    )]


def _audit_indexes(model_name, identity_field):
    """
    The indexes the operators' API and admin read a channel's audit rows by: a configuration's rows
    newest first (its last attempt, its last failure), and the admin's search by the learner's
    identity at the channel and by course id, each a whole value (SPEC 21).
    """
    return [
        models.Index(fields=['plugin_configuration_id', 'modified'], name=f'{model_name}_conf_modified'),
        models.Index(fields=[identity_field], name=f'{model_name}_identity'),
        models.Index(fields=['course_id'], name=f'{model_name}_course'),
    ]


class SapSuccessFactorsLearnerDataTransmissionAudit(BaseLearnerDataTransmissionAudit):
    """
    What was sent to SAP SuccessFactors for one enrollment and course id.

    .. pii: sapsf_user_id is the learner's SAP user id.
    .. pii_types: id
    .. pii_retirement: retained
    """

    sapsf_user_id = models.CharField('SAP user id', max_length=255, help_text="The learner's user id at SAP.")
    total_hours = models.FloatField(null=True, blank=True)
    plugin_configuration_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = _one_row_per_attempt_target('ee_sapsf_audit')
        indexes = _audit_indexes('ee_sapsf_audit', 'sapsf_user_id')
        verbose_name = 'SAP SuccessFactors transmission audit'


class BaseDegreedLearnerDataTransmissionAudit(BaseLearnerDataTransmissionAudit):
    """
    What was sent to one of Degreed's APIs for one enrollment and course id.

    .. pii: degreed_user_email is the learner's email.
    .. pii_types: email_address
    .. pii_retirement: retained
    """

    degreed_user_email = models.CharField('Degreed email', max_length=255,
                                          help_text="The learner's email, as Degreed knows them.")
    plugin_configuration_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        abstract = True


class DegreedLearnerDataTransmissionAudit(BaseDegreedLearnerDataTransmissionAudit):
    """What was sent to Degreed (v1 API) for one enrollment and course id."""

    class Meta:
        constraints = _one_row_per_attempt_target('ee_degreed_audit')
        indexes = _audit_indexes('ee_degreed_audit', 'degreed_user_email')
        verbose_name = 'Degreed transmission audit'


class Degreed2LearnerDataTransmissionAudit(BaseDegreedLearnerDataTransmissionAudit):
    """What was sent to Degreed (v2 API) for one enrollment and course id."""

    class Meta:
        constraints = _one_row_per_attempt_target('ee_degreed2_audit')
        indexes = _audit_indexes('ee_degreed2_aud', 'degreed_user_email')
        verbose_name = 'Degreed v2 transmission audit'


class CornerstoneLearnerDataTransmissionAudit(BaseLearnerDataTransmissionAudit):
    """
    What was sent to Cornerstone for one enrollment and course.

    .. pii: user_guid is the learner's Cornerstone id.
    .. pii_types: id
    .. pii_retirement: retained
    """

    user_guid = models.CharField('Cornerstone user guid', max_length=255,
                                 help_text="The learner's user guid at Cornerstone (from the launch).")
    plugin_configuration_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = _one_row_per_attempt_target('ee_csod_audit')
        indexes = _audit_indexes('ee_csod_audit', 'user_guid')
        verbose_name = 'Cornerstone transmission audit'


class XAPILearnerDataTransmissionAudit(BaseLearnerDataTransmissionAudit):
    """
    What was sent to a Learning Record Store for one enrollment and run: one statement.

    A 409 means the LRS already holds the statement id (an earlier attempt reached it): sent.

    .. pii: xapi_user_email is the learner's email (the statement's actor).
    .. pii_types: email_address
    .. pii_retirement: retained
    """

    ALSO_SENT_STATUSES = (409,)

    xapi_user_email = models.CharField('learner email (xAPI actor)', max_length=255,
                                       help_text="The learner's email, the statement's actor (mbox).")
    plugin_configuration_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    statement_id = models.CharField(max_length=36, blank=True, help_text='The id of the statement sent (a UUID).')

    class Meta:
        constraints = _one_row_per_attempt_target('ee_xapi_audit')
        indexes = _audit_indexes('ee_xapi_audit', 'xapi_user_email')
        verbose_name = 'xAPI transmission audit'


class WebhookLearnerDataTransmissionAudit(BaseLearnerDataTransmissionAudit):
    """
    What was POSTed to a customer's webhook for one enrollment and run: one event.

    .. pii: webhook_user_email is the learner's email.
    .. pii_types: email_address
    .. pii_retirement: retained
    """

    webhook_user_email = models.CharField('learner email', max_length=255,
                                          help_text="The learner's email, as the event names them.")
    plugin_configuration_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    event_id = models.CharField(max_length=36, blank=True, help_text='The id of the event sent (a UUID).')

    class Meta:
        constraints = _one_row_per_attempt_target('ee_webhook_audit')
        indexes = _audit_indexes('ee_webhook_audit', 'webhook_user_email')
        verbose_name = 'webhook transmission audit'


class ConfigurationLock(models.Model):
    """
    One run per channel configuration (SPEC section 11): the row exists while a run holds it.

    Held in the database so that every process and machine on the same database sees it; a
    holder that died leaves a row whose ``expires_at`` has passed, which the next run takes
    over. See ``enterprise_export.locks``.
    """

    channel_code = models.CharField(max_length=20)
    configuration_id = models.PositiveIntegerField()
    holder = models.CharField(max_length=64, help_text='A random id of the run that holds the lock.')
    acquired_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=['channel_code', 'configuration_id'],
                                               name='ee_lock_one_per_configuration')]

    def __str__(self):
        return f'lock of {self.channel_code} configuration {self.configuration_id} until {self.expires_at}'


class TransmissionRun(models.Model):
    """
    One run of one channel configuration (SPEC 21): written when it starts, completed when it ends.

    Every run of either task and every resend is one, a locked one included (``error`` is then
    ``locked``); dry runs are not. A run that died shows no ``finished``. The audit rows it
    inserted or updated carry its ``run_id``.
    """

    run_id = models.UUIDField(unique=True, editable=False)
    channel = models.CharField(max_length=20, help_text='The channel code (SAP, DEGREED2, CSOD, ...).')
    configuration_id = models.PositiveIntegerField()
    enterprise_customer = models.ForeignKey(
        settings.ENTERPRISE_EXPORT_CUSTOMER_MODEL, on_delete=models.CASCADE,
        related_name='enterprise_export_runs', related_query_name='enterprise_export_run',
    )
    started = models.DateTimeField(db_index=True)
    finished = models.DateTimeField(null=True, blank=True, help_text='Empty while running, or when the run died.')
    sent = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    lms_errors = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default='', help_text='Why the whole run stopped or did nothing; empty: none.')

    class Meta:
        ordering = ['-started']
        indexes = [models.Index(fields=['channel', 'configuration_id', '-started'], name='ee_run_configuration_last')]
        verbose_name = 'transmission run'

    def __str__(self):
        return f'{self.channel} configuration {self.configuration_id} run {self.run_id}'


# The LMS's own tables, read by the database source (SPEC 18): declared here so that they are
# registered with the app, unmanaged (never migrated by it).
from enterprise_export.lms_tables import (  # noqa: E402,F401
    LmsCourseEnrollment,
    LmsCourseOverview,
    LmsGeneratedCertificate,
    LmsPersistentCourseGrade,
    LmsUserSocialAuth,
)
