"""Django admin pages: customers, learners, enrollments, consent, and read-only transmission audits."""

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
