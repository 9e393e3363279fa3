"""
SPEC 20: the ``send_again`` permission, and the Cornerstone subdomains a launch may come from.

Each existing Cornerstone configuration allows the subdomains its customer's learners'
identities already name: runs send there today, so launches from those portals keep working
after the upgrade and nothing new is allowed.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

import enterprise_export.fields


def create_send_again_permission(apps, schema_editor):
    # Django creates permissions after the whole migrate; a data migration that grants it must find it now.
    app_config = apps.get_app_config('enterprise_export')
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    app_config.models_module = None


def allow_known_subdomains(apps, schema_editor):
    configurations = apps.get_model('enterprise_export', 'CornerstoneEnterpriseCustomerConfiguration')
    identities = apps.get_model('enterprise_export', 'CornerstoneLearnerIdentity')
    for configuration in configurations.objects.using(schema_editor.connection.alias).all():
        subdomains = identities.objects.using(schema_editor.connection.alias).filter(
            enterprise_customer_user__enterprise_customer_id=configuration.enterprise_customer_id,
        ).values_list('subdomain', flat=True).distinct()
        configuration.allowed_subdomains = sorted({subdomain.lower() for subdomain in subdomains})
        configuration.save(update_fields=['allowed_subdomains'])


class Migration(migrations.Migration):

    dependencies = [
        ('enterprise_export', '0007_channels_today'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='learnerdatatransmissionaudit',
            options={'permissions': [('send_again', 'Can send failed completions again')]},
        ),
        migrations.AddField(
            model_name='cornerstoneenterprisecustomerconfiguration',
            name='allowed_subdomains',
            field=enterprise_export.fields.SubdomainListField(blank=True, default=list, help_text=(
                "The Cornerstone portals (subdomains) whose launches may set this customer's learners' "
                'identities; none: no launch is accepted.')),
        ),
        migrations.RunPython(create_send_again_permission, migrations.RunPython.noop),
        migrations.RunPython(allow_known_subdomains, migrations.RunPython.noop),
    ]
