"""Django admin pages: customers, learners, enrollments, consent, and read-only transmission audits."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model

from enterprise_export import audits, models, tasks
from enterprise_export.channels import CHANNELS, channel_of
from enterprise_export.fields import (
    SECRET_NOT_SET,
    SECRET_SET,
    SECRET_UNREADABLE,
    encrypted_field_names,
    secret_state,
)


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


class ReadOnlyAuditAdmin(admin.ModelAdmin):
    """Audit rows are what happened: they can be searched and read, never edited."""

    list_display = (
        'id', 'enterprise_course_enrollment_id', 'course_id', 'subsection_id', 'grade',
        'course_completed', 'completed_timestamp', 'status', 'modified',
    )
    list_filter = ('status', 'course_completed')
    search_fields = ('=enterprise_course_enrollment_id', 'course_id')
    date_hierarchy = 'modified'

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(models.LearnerDataTransmissionAudit, ReadOnlyAuditAdmin)


SECRET_SAVED_HELP = 'A value is saved; leave empty to keep it.'
SECRET_MISSING_HELP = 'No value saved.'
SECRET_UNREADABLE_HELP = ('The saved value cannot be read with ENTERPRISE_EXPORT_SECRET_KEYS; '
                          'type it again (runs of this configuration stop until then).')


class WriteOnlySecretsForm(forms.ModelForm):
    """
    Secrets (the model's encrypted fields) can be typed in, never read back (SPEC 16, 20).

    The fields render empty and empty keeps the saved value, unless the saved value cannot be
    decrypted (then it must be typed again) or the save changes where the credentials go (a
    base URL or path: then every secret must be typed again).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.secret_fields = [name for name in encrypted_field_names(self._meta.model) if name in self.fields]
        for name in self.secret_fields:
            self.fields[name].widget = forms.PasswordInput(render_value=False)
            if self.instance.pk:
                self.fields[name].required = False
                self.fields[name].help_text = {
                    SECRET_SET: SECRET_SAVED_HELP, SECRET_NOT_SET: SECRET_MISSING_HELP,
                    SECRET_UNREADABLE: SECRET_UNREADABLE_HELP,
                }[secret_state(getattr(self.instance, name))]

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


class ChannelConfigurationAdmin(admin.ModelAdmin):
    """
    A channel's configurations, with the time of their last attempt and the reason of their last failure.

    A user who may only view a configuration sees each secret's state (set, not set,
    unreadable), never its value (SPEC 20).
    """

    form = WriteOnlySecretsForm
    list_display = ('id', 'enterprise_customer', 'active', 'transmission_chunk_size', 'imported_from_id',
                    'last_attempt', 'last_error')
    list_filter = ('active',)
    search_fields = ('enterprise_customer__name', 'enterprise_customer__slug', '=imported_from_id')
    raw_id_fields = ('enterprise_customer',)
    readonly_fields = ('imported_from_id', 'last_attempt', 'last_error')

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        for name in encrypted_field_names(model):
            setattr(self, secret_state_name(name), _secret_state_display(model, name))

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        secrets = set(encrypted_field_names(self.model))
        return [secret_state_name(name) if name in secrets else name for name in fields]

    def get_queryset(self, request):
        return audits.with_last_outcome(super().get_queryset(request), channel_of(self.model))

    @admin.display(description='last run (last attempt)', ordering='last_attempt')
    def last_attempt(self, configuration):
        return configuration.last_attempt

    @admin.display(description='last error')
    def last_error(self, configuration):
        return audits.last_error(configuration) or '-'


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
    the model's ``listed_fields``; its ``credential_fields`` (a learner's session) never shown.
    """

    search_fields = ('course_id', '=enterprise_customer_user__id')
    raw_id_fields = ('enterprise_customer_user',)

    def get_list_display(self, request):
        return self.model.listed_fields

    def get_exclude(self, request, obj=None):
        return self.model.credential_fields


class OutcomeFilter(admin.SimpleListFilter):
    """Sent (2xx, no error) or failed; superseded rows are not failures."""

    title = 'outcome'
    parameter_name = 'outcome'

    def lookups(self, request, model_admin):
        return [(audits.SENT, 'sent'), (audits.FAILED, 'failed')]

    def queryset(self, request, queryset):
        if self.value() == audits.SENT:
            return queryset.filter(audits.sent_q(queryset.model))
        if self.value() == audits.FAILED:
            return queryset.exclude(audits.sent_q(queryset.model)).filter(superseded=False)
        return queryset


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
        return queryset.filter(plugin_configuration_id__in=configurations.values('pk'))


class ChannelAuditAdmin(ReadOnlyAuditAdmin):
    """One channel's audit rows: filterable by outcome and customer; failed ones can be sent again."""

    list_display = ('plugin_configuration_id', 'id', 'enterprise_course_enrollment_id', 'course_id', 'subsection_id',
                    'grade', 'status', 'reason', 'modified', 'course_completed', 'completed_timestamp')
    list_filter = (OutcomeFilter, CustomerFilter, 'plugin_configuration_id', 'superseded')
    readonly_fields = ('reason',)
    exclude = ('error_message',)  # the channel's answer may echo a token or the payload: ``reason`` says why
    actions = ['send_again']

    @admin.display(description='reason')
    def reason(self, row):
        return audits.failure_reason(row.status, row.error_message, row.failure_kind, type(row)) or '-'

    @admin.action(description='Send again (the single-learner task, for the selected failed rows)',
                  permissions=['send_again'])
    def send_again(self, request, queryset):
        """
        One single-learner task per learner and run, for the configurations of its selected
        failed rows only; sent and superseded rows are skipped (SPEC 20).
        """
        failed = queryset.exclude(audits.sent_q(self.model)).filter(superseded=False)
        channel_code = channel_of(self.model).code
        targets = learner_run_configurations(
            failed.values_list('enterprise_course_enrollment_id', 'plugin_configuration_id').distinct(), channel_code)
        for (username, course_run_id), configurations in targets.items():
            tasks.transmit_single_learner_data.delay(username, course_run_id, configurations=configurations)
        skipped = queryset.count() - failed.count()
        self.message_user(request, f'Queued {len(targets)} learner run(s) to send again; '
                                   f'{skipped} selected row(s) were skipped (sent or superseded).', messages.SUCCESS)

    def has_send_again_permission(self, request):
        return request.user.has_perm(f'{models.LearnerDataTransmissionAudit._meta.app_label}.send_again')


def learner_run_configurations(enrollment_configurations, channel_code):
    """
    ``{(username, course run id): [[channel code, configuration id], ...]}`` for
    ``(enrollment id, configuration id)`` pairs, leaving out enrollments whose learner no longer exists.
    """
    configurations_of = {}
    for enrollment_id, configuration_id in enrollment_configurations:
        configurations_of.setdefault(enrollment_id, set()).add(configuration_id)
    enrollments = list(models.get_enrollment_model()._base_manager.filter(pk__in=list(configurations_of)).values_list(
        'pk', 'enterprise_customer_user__user_id', 'course_id'))
    usernames = dict(get_user_model().objects.filter(
        pk__in={user_id for _, user_id, _ in enrollments}).values_list('pk', 'username'))
    targets = {}
    for enrollment_id, user_id, course_run_id in enrollments:
        if user_id in usernames:
            targets.setdefault((usernames[user_id], course_run_id), set()).update(
                (channel_code, configuration_id) for configuration_id in configurations_of[enrollment_id])
    return {target: sorted([list(pair) for pair in pairs]) for target, pairs in sorted(targets.items())}


for channel in CHANNELS.values():
    admin.site.register(channel.configuration_model, ChannelConfigurationAdmin)
    admin.site.register(channel.audit_model, ChannelAuditAdmin)
    if channel.identity_model is not None:
        admin.site.register(channel.identity_model, LearnerIdentityAdmin)


@admin.register(models.ConfigurationLock)
class ConfigurationLockAdmin(admin.ModelAdmin):
    """The runs in progress; deleting the lock of a run known to be dead lets the next run start at once."""

    list_display = ('channel_code', 'configuration_id', 'acquired_at', 'expires_at')
    readonly_fields = ('channel_code', 'configuration_id', 'holder', 'acquired_at', 'expires_at')

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
