"""
Django admin pages: customers, learners, enrollments, consent, channel configurations, and the
operators' pages of SPEC 21 (transmission audits and runs, read-only).
"""

import uuid

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import OuterRef, Subquery
from django.utils.html import format_html

from enterprise_export import admin_display, admin_send_again, audits, models
from enterprise_export.admin_search import search_audit_rows
from enterprise_export.channels import CHANNELS, UnknownChannelError, channel_of, get_channel
from enterprise_export.fields import (
    SECRET_NOT_SET,
    SECRET_SET,
    SECRET_UNREADABLE,
    encrypted_field_names,
    secret_state,
)

EMPTY = admin_display.EMPTY


class EnterpriseCustomerAdmin(admin.ModelAdmin):
    list_display = ('name', 'slug', 'uuid', 'active', 'enable_audit_enrollment', 'enable_audit_data_reporting')
    list_filter = ('active', 'enable_audit_enrollment', 'enable_audit_data_reporting')
    search_fields = ('name', 'slug', 'uuid')
    readonly_fields = ('uuid',)


@admin.register(models.EnterpriseCustomerAdmin)
class ApiReaderAdmin(admin.ModelAdmin):
    """Users who may read one customer's transmissions through the API (besides staff and JWT roles)."""

    list_display = ('id', 'enterprise_customer', 'user_id')
    list_filter = ('enterprise_customer',)
    search_fields = ('=user_id',)
    raw_id_fields = ('enterprise_customer',)


class EnterpriseCustomerUserAdmin(admin.ModelAdmin):
    list_display = ('id', 'enterprise_customer', 'user_id', 'active', 'linked')
    list_filter = ('active', 'linked', 'enterprise_customer')
    search_fields = ('=user_id',)
    raw_id_fields = ('enterprise_customer',)

    def get_queryset(self, request):
        # Unlinked learners are hidden by the default manager; operators still need to see them.
        return models.EnterpriseCustomerUser.all_objects.select_related('enterprise_customer')


class EnterpriseCourseEnrollmentAdmin(admin.ModelAdmin):
    list_display = ('id', 'enterprise_customer_user', 'course_id', 'created')
    list_filter = ('enterprise_customer_user__enterprise_customer',)
    search_fields = ('course_id', '=id')
    raw_id_fields = ('enterprise_customer_user',)


class DataSharingConsentAdmin(admin.ModelAdmin):
    list_display = ('id', 'enterprise_customer', 'course_id', 'granted')
    list_filter = ('granted', 'enterprise_customer')
    search_fields = ('course_id', '=username')


# The app's own source models have pages only where they are in use: in an LMS they are
# edx-enterprise's, which has its own admin.
for source_model, source_admin in (
    (models.EnterpriseCustomer, EnterpriseCustomerAdmin),
    (models.EnterpriseCustomerUser, EnterpriseCustomerUserAdmin),
    (models.EnterpriseCourseEnrollment, EnterpriseCourseEnrollmentAdmin),
    (models.DataSharingConsent, DataSharingConsentAdmin),
):
    if not source_model._meta.swapped:
        admin.site.register(source_model, source_admin)


class DescribedChangeList(ChangeList):
    """A list whose page of rows its admin describes at once (``describe_page``), not one query per row."""

    def get_results(self, request):
        super().get_results(request)
        self.result_list = self.model_admin.describe_page(self.result_list)


class ReadOnlyAdmin(admin.ModelAdmin):
    """
    A record of what happened: viewed by whoever may view it, never added, changed or deleted
    from the admin, by anyone (the admin answers 403 to such a POST).
    """

    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OutcomeFilter(admin.SimpleListFilter):
    """Sent (2xx, no error), failed, or superseded (failed, then sent by the enrollment's other target)."""

    title = 'outcome'
    parameter_name = 'outcome'

    def lookups(self, request, model_admin):
        return [(audits.SENT, 'sent'), (audits.FAILED, 'failed'), (admin_display.SUPERSEDED, 'superseded')]

    def queryset(self, request, queryset):
        failed = queryset.exclude(audits.sent_q(queryset.model))
        if self.value() == audits.SENT:
            return queryset.filter(audits.sent_q(queryset.model))
        if self.value() == audits.FAILED:
            return failed.filter(superseded=False)
        if self.value() == admin_display.SUPERSEDED:
            return failed.filter(superseded=True)
        return queryset


class AuditAdmin(ReadOnlyAdmin):
    """
    Audit rows, the record of what was sent (deleting a sent row would make the next run send it
    again): searched by learner, enrollment and course; each shown with its customer, learner,
    outcome, reason, completion date, last attempt and run.
    """

    list_display = ('id', 'customer', 'learner', 'course_id', 'grade', 'outcome', 'reason', 'completion_date',
                    'last_attempt', 'run', 'enrollment')
    list_filter = (OutcomeFilter,)
    search_fields = ('=enterprise_course_enrollment_id',)  # the search box; get_search_results says what it finds
    search_help_text = 'One whole value: a username or email (any case), an enrollment id or a course id.'
    # A filtered or searched page counts its own rows only, not the whole table again ("N total").
    show_full_result_count = False
    # The channel's answer may echo a token or the payload: ``reason`` says why; the raw fields are shown formatted.
    hidden_fields = ('id', 'error_message', 'failure_kind', 'superseded', 'completed_timestamp', 'created',
                     'modified', 'run_id', 'enterprise_course_enrollment_id', 'plugin_configuration_id')
    described_fields = ('customer', 'learner', 'outcome', 'reason', 'completion_date', 'last_attempt', 'run',
                        'enrollment')

    @property
    def channel(self):
        """The channel of the audit model; None for the channel-independent one."""
        return channel_of(self.model)

    def get_changelist(self, request, **kwargs):
        return DescribedChangeList

    def describe_page(self, rows):
        return admin_display.describe_audit_rows(rows, self.channel)

    def get_object(self, request, object_id, from_field=None):
        row = super().get_object(request, object_id, from_field)
        if row is not None:
            self.describe_page([row])
        return row

    def get_fields(self, request, obj=None):
        own = [model_field.name for model_field in self.model._meta.concrete_fields
               if model_field.name not in self.hidden_fields]
        return [*self.described_fields, *own]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def get_search_results(self, request, queryset, search_term):
        identity_field = self.channel.identity_field if self.channel else None
        return search_audit_rows(queryset, search_term, identity_field), False

    @admin.display(description='customer')
    def customer(self, row):
        return admin_display.customer_label(row.customer)

    @admin.display(description='learner (username)')
    def learner(self, row):
        return row.learner_username or EMPTY

    @admin.display(description='outcome')
    def outcome(self, row):
        return admin_display.outcome(row)

    @admin.display(description='reason')
    def reason(self, row):
        return admin_display.reason(row)

    @admin.display(description='completion date')
    def completion_date(self, row):
        return admin_display.epoch_ms_iso(row.completed_timestamp)

    @admin.display(description='last attempt', ordering='modified')
    def last_attempt(self, row):
        return admin_display.utc_iso(row.modified)

    @admin.display(description='run')
    def run(self, row):
        return admin_display.run_link(self.admin_site, row.run_id)

    @admin.display(description='enrollment')
    def enrollment(self, row):
        enrollment_id = row.enterprise_course_enrollment_id
        if row.enrollment is None:
            return f'enrollment {enrollment_id} (gone)'
        return admin_display.change_link(self.admin_site, models.get_enrollment_model(), enrollment_id,
                                         f'enrollment {enrollment_id}')


admin.site.register(models.LearnerDataTransmissionAudit, AuditAdmin)


class CustomerFilter(admin.SimpleListFilter):
    """The rows of one customer's configurations of this channel."""

    title = 'enterprise customer'
    parameter_name = 'enterprise_customer'

    def lookups(self, request, model_admin):
        configurations = channel_of(model_admin.model).configuration_model.objects
        return [(str(customer_uuid), name) for customer_uuid, name in configurations.values_list(
            'enterprise_customer__uuid', 'enterprise_customer__name').distinct().order_by('enterprise_customer__name')]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        configurations = channel_of(queryset.model).configuration_model.objects.filter(
            enterprise_customer__uuid=self.value())
        # A list, not a subquery: MariaDB then walks the rows' primary key for the page instead of sorting them all.
        return queryset.filter(plugin_configuration_id__in=list(configurations.values_list('pk', flat=True)))


class ChannelAuditAdmin(AuditAdmin):
    """A channel's audit rows, also found by its identity of the learner; failed ones can be sent again."""

    list_filter = (OutcomeFilter, CustomerFilter, 'plugin_configuration_id')
    described_fields = (*AuditAdmin.described_fields, 'configuration')
    actions = ['send_again']

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        identity = model._meta.get_field(self.channel.identity_field).verbose_name
        self.search_help_text = (f'One whole value: a username or email (any case), the {identity}, an enrollment '
                                 'id or a course id.')

    def get_list_display(self, request):
        identity = self.channel.identity_field
        return ('id', 'customer', 'learner', identity, 'course_id', 'grade', 'outcome', 'reason', 'completion_date',
                'last_attempt', 'run', 'configuration', 'enrollment')


    @admin.display(description='configuration')
    def configuration(self, row):
        configuration_id = row.plugin_configuration_id
        if row.configuration is None:
            return EMPTY if configuration_id is None else f'configuration {configuration_id} (gone)'
        return admin_display.change_link(self.admin_site, self.channel.configuration_model, configuration_id,
                                         f'{self.channel.code} configuration {configuration_id}')

    @admin.action(description='Send again (the single-learner task, for the selected failed rows)',
                  permissions=['send_again'])
    def send_again(self, request, queryset):
        """
        One single-learner task per learner and run of the selected failed rows, for their
        configurations; sent and superseded rows are skipped (SPEC 20). Says what each
        configuration's run did.
        """
        admin_send_again.send_again(self, request, queryset)

    def has_send_again_permission(self, request):
        return request.user.has_perm(f'{models.LearnerDataTransmissionAudit._meta.app_label}.send_again')


SECRET_SAVED_HELP = 'A value is saved; leave empty to keep it.'
SECRET_MISSING_HELP = 'No value saved.'
SECRET_UNREADABLE_HELP = ('The saved value cannot be read with ENTERPRISE_EXPORT_SECRET_KEYS; '
                          'type it again (runs of this configuration stop until then).')


class WriteOnlySecretsForm(forms.ModelForm):
    """
    Secrets (the model's encrypted fields) can be typed in, never read back (SPEC 16, 20).

    The fields render empty and say whether a value is saved; empty keeps the saved value, unless
    the saved value cannot be decrypted (then it must be typed again) or the save changes where
    the credentials go (a base URL or path: then every secret must be typed again).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.secret_fields = [name for name in encrypted_field_names(self._meta.model) if name in self.fields]
        for name in self.secret_fields:
            self.fields[name].widget = forms.PasswordInput(render_value=False)
            self.fields[name].help_text = {
                SECRET_SET: SECRET_SAVED_HELP, SECRET_NOT_SET: SECRET_MISSING_HELP,
                SECRET_UNREADABLE: SECRET_UNREADABLE_HELP,
            }[secret_state(getattr(self.instance, name))]
            if self.instance.pk:
                self.fields[name].required = False

    def typed_secrets(self):
        """The secret fields a value was typed into."""
        return [name for name in self.secret_fields if self.data.get(self.add_prefix(name))]

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        typed = self.typed_secrets()
        moved = [name for name in self._meta.model.destination_field_names() if name in self.changed_data]
        for name in self.secret_fields:
            if name in typed:
                continue
            if moved and secret_state(getattr(self.instance, name)) != SECRET_NOT_SET:
                # An optional secret that was never set (a webhook's bearer token) goes nowhere: it stays unset.
                self.add_error(name, f'Type it again: {", ".join(moved)} changed, and the saved value '
                                     'is not sent to a new place without it.')
            elif secret_state(getattr(self.instance, name)) == SECRET_UNREADABLE:
                self.add_error(name, 'The saved value cannot be read with ENTERPRISE_EXPORT_SECRET_KEYS: '
                                     'type it again.')
            else:
                cleaned[name] = getattr(self.instance, name)
        return cleaned

    @property
    def changed_data(self):
        # A secret is changed only when a value was typed: the change history must not say otherwise.
        typed = set(self.typed_secrets())
        return [name for name in super().changed_data if name not in self.secret_fields or name in typed]


def with_last_run(configurations, channel_code):
    """
    ``configurations`` (of ``channel_code``) annotated with the pk and start of their latest run
    (``last_run_pk``, ``last_run_started``), read through the index ``ee_run_configuration_last``.
    """
    runs = models.TransmissionRun.objects.filter(channel=channel_code, configuration_id=OuterRef('pk')).order_by(
        '-started')
    return configurations.annotate(last_run_pk=Subquery(runs.values('pk')[:1]),
                                   last_run_started=Subquery(runs.values('started')[:1]))


class ChannelConfigurationAdmin(admin.ModelAdmin):
    """
    A channel's configurations, each with its last run (time, counts, error: a whole-run error
    included), the time of its last attempt and the reason of its last failed record.

    A user who may only view a configuration sees each secret's state (set, not set,
    unreadable), never its value (SPEC 20).
    """

    form = WriteOnlySecretsForm
    list_display = ('id', 'enterprise_customer', 'active', 'imported_from_id', 'last_run', 'last_run_error',
                    'last_attempt', 'last_error')
    list_filter = ('active',)
    search_fields = ('enterprise_customer__name', 'enterprise_customer__slug', '=imported_from_id')
    raw_id_fields = ('enterprise_customer',)
    readonly_fields = ('imported_from_id', 'last_run', 'last_run_error', 'last_attempt', 'last_error')

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        for name in encrypted_field_names(model):
            setattr(self, secret_state_name(name), _secret_state_display(model, name))

    @property
    def channel(self):
        return channel_of(self.model)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        secrets = set(encrypted_field_names(self.model))
        return [secret_state_name(name) if name in secrets else name for name in fields]

    def get_queryset(self, request):
        configurations = audits.with_last_outcome(super().get_queryset(request), self.channel)
        return with_last_run(configurations, self.channel.code)

    def get_changelist(self, request, **kwargs):
        return DescribedChangeList

    def describe_page(self, configurations):
        """Put on each configuration its last failed row and its last ``TransmissionRun`` (``last_run_row``; None:
        never run), in two queries."""
        configurations = audits.with_last_failures(configurations, self.channel)
        runs = models.TransmissionRun.objects.in_bulk(
            [configuration.last_run_pk for configuration in configurations if configuration.last_run_pk])
        for configuration in configurations:
            configuration.last_run_row = runs.get(configuration.last_run_pk)
        return configurations

    def get_object(self, request, object_id, from_field=None):
        configuration = super().get_object(request, object_id, from_field)
        if configuration is not None:
            self.describe_page([configuration])
        return configuration

    @admin.display(description='last run', ordering='last_run_started')
    def last_run(self, configuration):
        run = getattr(configuration, 'last_run_row', None)
        if run is None:
            return 'never'
        counts = f'{run.sent} sent, {run.skipped} skipped, {run.failed} failed, {run.lms_errors} lms_errors'
        if run.finished is None:
            counts = 'not finished (still running, or it died)'
        return format_html('<a href="{}">{}</a>: {}', admin_display.runs_url(self.admin_site, run.run_id),
                           admin_display.utc_iso(run.started), counts)

    @admin.display(description='last run error')
    def last_run_error(self, configuration):
        run = getattr(configuration, 'last_run_row', None)
        return (run.error if run is not None else '') or EMPTY

    @admin.display(description='last attempt (a record sent or failed)', ordering='last_attempt')
    def last_attempt(self, configuration):
        return admin_display.utc_iso(configuration.last_attempt)

    @admin.display(description='last failed record')
    def last_error(self, configuration):
        return audits.last_error(configuration) or EMPTY


def secret_state_name(field_name):
    """The name of the read-only display of a secret's state."""
    return f'{field_name}_state'


def _secret_state_display(model, field_name):
    label = model._meta.get_field(field_name).verbose_name

    @admin.display(description=label)
    def state(configuration):
        return secret_state(getattr(configuration, field_name))

    return state


class LearnerIdentityAdmin(admin.ModelAdmin):
    """
    The learners' identities a channel keeps here (the registry's ``identity_model``): listed by
    the model's ``listed_fields``; its ``credential_fields`` (a learner's session) never shown,
    only whether each is ``set``, ``not set`` or ``unreadable`` (SPEC 20).
    """

    search_fields = ('course_id', '=enterprise_customer_user__id')
    raw_id_fields = ('enterprise_customer_user',)

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        for name in model.credential_fields:
            setattr(self, secret_state_name(name), _secret_state_display(model, name))

    def get_list_display(self, request):
        return self.model.listed_fields

    def get_exclude(self, request, obj=None):
        return self.model.credential_fields

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj),
                *(secret_state_name(name) for name in self.model.credential_fields))


for channel in CHANNELS.values():
    admin.site.register(channel.configuration_model, ChannelConfigurationAdmin)
    admin.site.register(channel.audit_model, ChannelAuditAdmin)
    if channel.identity_model is not None:
        admin.site.register(channel.identity_model, LearnerIdentityAdmin)


class InErrorFilter(admin.SimpleListFilter):
    """Runs that could not do their job at all (their ``error`` says why), or the others."""

    title = 'in error'
    parameter_name = 'in_error'

    def lookups(self, request, model_admin):
        return [('yes', 'yes'), ('no', 'no')]

    def queryset(self, request, queryset):
        if self.value() == 'yes':
            return queryset.exclude(error='')
        if self.value() == 'no':
            return queryset.filter(error='')
        return queryset


@admin.register(models.TransmissionRun)
class TransmissionRunAdmin(ReadOnlyAdmin):
    """Every run of a configuration (either task, a resend), newest first; searched by its exact run id."""

    list_display = ('run_id', 'channel', 'configuration', 'customer', 'started_utc', 'finished_utc',
                    'sent', 'skipped', 'failed', 'lms_errors', 'error')
    list_filter = ('channel', 'enterprise_customer', InErrorFilter)
    list_select_related = ('enterprise_customer',)
    ordering = ('-started',)
    search_fields = ('=run_id',)
    search_help_text = 'A run id, whole (a UUID).'
    fields = ('run_id', 'channel', 'configuration', 'customer', 'started_utc', 'finished_utc', 'sent',
              'skipped', 'failed', 'lms_errors', 'error')
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(run_id=uuid.UUID(term)), False
        except ValueError:
            return queryset.none(), False

    @admin.display(description='configuration')
    def configuration(self, run):
        text = f'{run.channel} configuration {run.configuration_id}'
        try:
            configuration_model = get_channel(run.channel).configuration_model
        except UnknownChannelError:
            return text
        return admin_display.change_link(self.admin_site, configuration_model, run.configuration_id, text)

    @admin.display(description='customer', ordering='enterprise_customer__name')
    def customer(self, run):
        return admin_display.customer_label(run.enterprise_customer)

    @admin.display(description='started', ordering='started')
    def started_utc(self, run):
        return admin_display.utc_iso(run.started)

    @admin.display(description='finished', ordering='finished')
    def finished_utc(self, run):
        return admin_display.utc_iso(run.finished)


@admin.register(models.ConfigurationLock)
class ConfigurationLockAdmin(admin.ModelAdmin):
    """The runs in progress; deleting the lock of a run known to be dead lets the next run start at once."""

    list_display = ('channel_code', 'configuration_id', 'acquired_at', 'expires_at')
    readonly_fields = ('channel_code', 'configuration_id', 'holder', 'acquired_at', 'expires_at')

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
