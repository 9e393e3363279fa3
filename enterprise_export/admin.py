"""Django admin pages: customers, learners, enrollments, consent, and read-only transmission audits."""

from django import forms
from django.contrib import admin

from enterprise_export import models


@admin.register(models.EnterpriseCustomer)
class EnterpriseCustomerAdmin(admin.ModelAdmin):
    list_display = ('name', 'slug', 'uuid', 'active', 'enable_audit_enrollment', 'enable_audit_data_reporting')
    list_filter = ('active', 'enable_audit_enrollment', 'enable_audit_data_reporting')
    search_fields = ('name', 'slug', 'uuid')
    readonly_fields = ('uuid',)


@admin.register(models.EnterpriseCustomerUser)
class EnterpriseCustomerUserAdmin(admin.ModelAdmin):
    list_display = ('id', 'enterprise_customer', 'user_id', 'active', 'linked')
    list_filter = ('active', 'linked', 'enterprise_customer')
    search_fields = ('=user_id',)
    raw_id_fields = ('enterprise_customer',)

    def get_queryset(self, request):
        # Unlinked learners are hidden by the default manager; operators still need to see them.
        return models.EnterpriseCustomerUser.all_objects.select_related('enterprise_customer')


@admin.register(models.EnterpriseCourseEnrollment)
class EnterpriseCourseEnrollmentAdmin(admin.ModelAdmin):
    list_display = ('id', 'enterprise_customer_user', 'course_id', 'created')
    list_filter = ('enterprise_customer_user__enterprise_customer',)
    search_fields = ('course_id', '=id')
    raw_id_fields = ('enterprise_customer_user',)


@admin.register(models.DataSharingConsent)
class DataSharingConsentAdmin(admin.ModelAdmin):
    list_display = ('id', 'enterprise_customer', 'course_id', 'granted')
    list_filter = ('granted', 'enterprise_customer')
    search_fields = ('course_id', '=username')


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


class WriteOnlySecretsForm(forms.ModelForm):
    """Secrets can be typed in, never read back: the fields render empty, and empty keeps the saved value."""

    SECRET_FIELDS = ('key', 'secret')

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.SECRET_FIELDS:
            if name in self.fields:
                self.fields[name].widget = forms.PasswordInput(render_value=False)
                if self.instance.pk:
                    self.fields[name].required = False
                    self.fields[name].help_text = 'Saved; leave empty to keep it.'

    def clean(self):
        cleaned = super().clean()
        for name in self.SECRET_FIELDS:
            if name in self.fields and self.instance.pk and not cleaned.get(name):
                cleaned[name] = getattr(self.instance, name)
        return cleaned


class ChannelConfigurationAdmin(admin.ModelAdmin):
    form = WriteOnlySecretsForm
    list_display = ('id', 'enterprise_customer', 'active', 'transmission_chunk_size', 'modified')
    list_filter = ('active',)
    search_fields = ('enterprise_customer__name', 'enterprise_customer__slug')
    raw_id_fields = ('enterprise_customer',)


admin.site.register(models.SAPSuccessFactorsEnterpriseCustomerConfiguration, ChannelConfigurationAdmin)
admin.site.register(models.DegreedEnterpriseCustomerConfiguration, ChannelConfigurationAdmin)
admin.site.register(models.CornerstoneEnterpriseCustomerConfiguration, ChannelConfigurationAdmin)


@admin.register(models.CornerstoneLearnerIdentity)
class CornerstoneLearnerIdentityAdmin(admin.ModelAdmin):
    list_display = ('id', 'enterprise_customer_user', 'course_id', 'subdomain', 'modified')
    search_fields = ('course_id', '=enterprise_customer_user__id')
    raw_id_fields = ('enterprise_customer_user',)
    exclude = ('session_token',)  # a credential of the learner's Cornerstone session


class ChannelAuditAdmin(ReadOnlyAuditAdmin):
    list_display = ('plugin_configuration_id',) + ReadOnlyAuditAdmin.list_display
    list_filter = ReadOnlyAuditAdmin.list_filter + ('plugin_configuration_id',)


admin.site.register(models.SapSuccessFactorsLearnerDataTransmissionAudit, ChannelAuditAdmin)
admin.site.register(models.DegreedLearnerDataTransmissionAudit, ChannelAuditAdmin)
admin.site.register(models.CornerstoneLearnerDataTransmissionAudit, ChannelAuditAdmin)


@admin.register(models.ConfigurationLock)
class ConfigurationLockAdmin(admin.ModelAdmin):
    """The runs in progress; deleting the lock of a run known to be dead lets the next run start at once."""

    list_display = ('channel_code', 'configuration_id', 'acquired_at', 'expires_at')
    readonly_fields = ('channel_code', 'configuration_id', 'holder', 'acquired_at', 'expires_at')

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
