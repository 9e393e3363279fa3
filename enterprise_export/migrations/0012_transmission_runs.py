# The runs of SPEC 21 (TransmissionRun) and the run id of SPEC 19 on every audit row (null on older rows).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('enterprise_export', '0011_xapi_webhook'),
        migrations.swappable_dependency(settings.ENTERPRISE_EXPORT_CUSTOMER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='cornerstonelearnerdatatransmissionaudit',
            name='run_id',
            field=models.UUIDField(blank=True, db_index=True, help_text='The run that last sent this record or recorded its answer (see the transmission runs).', null=True),
        ),
        migrations.AddField(
            model_name='degreed2learnerdatatransmissionaudit',
            name='run_id',
            field=models.UUIDField(blank=True, db_index=True, help_text='The run that last sent this record or recorded its answer (see the transmission runs).', null=True),
        ),
        migrations.AddField(
            model_name='degreedlearnerdatatransmissionaudit',
            name='run_id',
            field=models.UUIDField(blank=True, db_index=True, help_text='The run that last sent this record or recorded its answer (see the transmission runs).', null=True),
        ),
        migrations.AddField(
            model_name='learnerdatatransmissionaudit',
            name='run_id',
            field=models.UUIDField(blank=True, db_index=True, help_text='The run that last sent this record or recorded its answer (see the transmission runs).', null=True),
        ),
        migrations.AddField(
            model_name='sapsuccessfactorslearnerdatatransmissionaudit',
            name='run_id',
            field=models.UUIDField(blank=True, db_index=True, help_text='The run that last sent this record or recorded its answer (see the transmission runs).', null=True),
        ),
        migrations.AddField(
            model_name='webhooklearnerdatatransmissionaudit',
            name='run_id',
            field=models.UUIDField(blank=True, db_index=True, help_text='The run that last sent this record or recorded its answer (see the transmission runs).', null=True),
        ),
        migrations.AddField(
            model_name='xapilearnerdatatransmissionaudit',
            name='run_id',
            field=models.UUIDField(blank=True, db_index=True, help_text='The run that last sent this record or recorded its answer (see the transmission runs).', null=True),
        ),
        migrations.CreateModel(
            name='TransmissionRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('run_id', models.UUIDField(editable=False, unique=True)),
                ('channel', models.CharField(help_text='The channel code (SAP, DEGREED2, CSOD, ...).', max_length=20)),
                ('configuration_id', models.PositiveIntegerField()),
                ('started', models.DateTimeField(db_index=True)),
                ('finished', models.DateTimeField(blank=True, help_text='Empty while running, or when the run died.', null=True)),
                ('sent', models.PositiveIntegerField(default=0)),
                ('skipped', models.PositiveIntegerField(default=0)),
                ('failed', models.PositiveIntegerField(default=0)),
                ('lms_errors', models.PositiveIntegerField(default=0)),
                ('error', models.TextField(blank=True, default='', help_text='Why the whole run stopped or did nothing; empty: none.')),
                ('enterprise_customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='enterprise_export_runs', related_query_name='enterprise_export_run', to=settings.ENTERPRISE_EXPORT_CUSTOMER_MODEL)),
            ],
            options={
                'verbose_name': 'transmission run',
                'ordering': ['-started'],
                'indexes': [models.Index(fields=['channel', 'configuration_id', '-started'], name='ee_run_configuration_last')],
            },
        ),
    ]
