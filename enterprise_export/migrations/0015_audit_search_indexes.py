# Indexes for the admin's audit search (SPEC 21): each channel's learner identity and course id, and learners by user id; labels of the identity fields.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('enterprise_export', '0014_labels'),
    ]

    operations = [
        migrations.AlterField(
            model_name='cornerstonelearnerdatatransmissionaudit',
            name='superseded',
            field=models.BooleanField(default=False, help_text="A failed row whose enrollment's completion went through by its other course id (course key or run id): no longer a failure."),
        ),
        migrations.AlterField(
            model_name='cornerstonelearnerdatatransmissionaudit',
            name='user_guid',
            field=models.CharField(help_text="The learner's user guid at Cornerstone (from the launch).", max_length=255, verbose_name='Cornerstone user guid'),
        ),
        migrations.AlterField(
            model_name='degreed2learnerdatatransmissionaudit',
            name='degreed_user_email',
            field=models.CharField(help_text="The learner's email, as Degreed knows them.", max_length=255, verbose_name='Degreed email'),
        ),
        migrations.AlterField(
            model_name='degreed2learnerdatatransmissionaudit',
            name='superseded',
            field=models.BooleanField(default=False, help_text="A failed row whose enrollment's completion went through by its other course id (course key or run id): no longer a failure."),
        ),
        migrations.AlterField(
            model_name='degreedlearnerdatatransmissionaudit',
            name='degreed_user_email',
            field=models.CharField(help_text="The learner's email, as Degreed knows them.", max_length=255, verbose_name='Degreed email'),
        ),
        migrations.AlterField(
            model_name='degreedlearnerdatatransmissionaudit',
            name='superseded',
            field=models.BooleanField(default=False, help_text="A failed row whose enrollment's completion went through by its other course id (course key or run id): no longer a failure."),
        ),
        migrations.AlterField(
            model_name='enterprisecustomeruser',
            name='user_id',
            field=models.PositiveIntegerField(db_index=True, help_text="The LMS user's id."),
        ),
        migrations.AlterField(
            model_name='learnerdatatransmissionaudit',
            name='superseded',
            field=models.BooleanField(default=False, help_text="A failed row whose enrollment's completion went through by its other course id (course key or run id): no longer a failure."),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorslearnerdatatransmissionaudit',
            name='sapsf_user_id',
            field=models.CharField(help_text="The learner's user id at SAP.", max_length=255, verbose_name='SAP user id'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorslearnerdatatransmissionaudit',
            name='superseded',
            field=models.BooleanField(default=False, help_text="A failed row whose enrollment's completion went through by its other course id (course key or run id): no longer a failure."),
        ),
        migrations.AlterField(
            model_name='webhooklearnerdatatransmissionaudit',
            name='superseded',
            field=models.BooleanField(default=False, help_text="A failed row whose enrollment's completion went through by its other course id (course key or run id): no longer a failure."),
        ),
        migrations.AlterField(
            model_name='webhooklearnerdatatransmissionaudit',
            name='webhook_user_email',
            field=models.CharField(help_text="The learner's email, as the event names them.", max_length=255, verbose_name='learner email'),
        ),
        migrations.AlterField(
            model_name='xapilearnerdatatransmissionaudit',
            name='superseded',
            field=models.BooleanField(default=False, help_text="A failed row whose enrollment's completion went through by its other course id (course key or run id): no longer a failure."),
        ),
        migrations.AlterField(
            model_name='xapilearnerdatatransmissionaudit',
            name='xapi_user_email',
            field=models.CharField(help_text="The learner's email, the statement's actor (mbox).", max_length=255, verbose_name='learner email (xAPI actor)'),
        ),
        migrations.AddIndex(
            model_name='cornerstonelearnerdatatransmissionaudit',
            index=models.Index(fields=['user_guid'], name='ee_csod_audit_identity'),
        ),
        migrations.AddIndex(
            model_name='cornerstonelearnerdatatransmissionaudit',
            index=models.Index(fields=['course_id'], name='ee_csod_audit_course'),
        ),
        migrations.AddIndex(
            model_name='degreed2learnerdatatransmissionaudit',
            index=models.Index(fields=['degreed_user_email'], name='ee_degreed2_aud_identity'),
        ),
        migrations.AddIndex(
            model_name='degreed2learnerdatatransmissionaudit',
            index=models.Index(fields=['course_id'], name='ee_degreed2_aud_course'),
        ),
        migrations.AddIndex(
            model_name='degreedlearnerdatatransmissionaudit',
            index=models.Index(fields=['degreed_user_email'], name='ee_degreed_audit_identity'),
        ),
        migrations.AddIndex(
            model_name='degreedlearnerdatatransmissionaudit',
            index=models.Index(fields=['course_id'], name='ee_degreed_audit_course'),
        ),
        migrations.AddIndex(
            model_name='sapsuccessfactorslearnerdatatransmissionaudit',
            index=models.Index(fields=['sapsf_user_id'], name='ee_sapsf_audit_identity'),
        ),
        migrations.AddIndex(
            model_name='sapsuccessfactorslearnerdatatransmissionaudit',
            index=models.Index(fields=['course_id'], name='ee_sapsf_audit_course'),
        ),
        migrations.AddIndex(
            model_name='webhooklearnerdatatransmissionaudit',
            index=models.Index(fields=['webhook_user_email'], name='ee_webhook_audit_identity'),
        ),
        migrations.AddIndex(
            model_name='webhooklearnerdatatransmissionaudit',
            index=models.Index(fields=['course_id'], name='ee_webhook_audit_course'),
        ),
        migrations.AddIndex(
            model_name='xapilearnerdatatransmissionaudit',
            index=models.Index(fields=['xapi_user_email'], name='ee_xapi_audit_identity'),
        ),
        migrations.AddIndex(
            model_name='xapilearnerdatatransmissionaudit',
            index=models.Index(fields=['course_id'], name='ee_xapi_audit_course'),
        ),
    ]
