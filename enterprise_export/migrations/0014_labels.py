# Labels and help texts of every channel configuration field, in the channel's own words (SPEC 21); no schema change.

import django.core.validators
import django.db.models.deletion
import enterprise_export.fields
import enterprise_export.models
import enterprise_export.validators
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('enterprise_export', '0013_session_token_encrypted'),
    ]

    operations = [
        migrations.AlterField(
            model_name='cornerstoneenterprisecustomerconfiguration',
            name='active',
            field=models.BooleanField(default=True, help_text='Runs send through this configuration only while it and its customer are active.', verbose_name='active'),
        ),
        migrations.AlterField(
            model_name='cornerstoneenterprisecustomerconfiguration',
            name='allowed_subdomains',
            field=enterprise_export.fields.SubdomainListField(blank=True, default=list, help_text="The Cornerstone portals (subdomains) whose launches may set this customer's learners' identities; none: no launch is accepted.", verbose_name='allowed Cornerstone portals'),
        ),
        migrations.AlterField(
            model_name='cornerstoneenterprisecustomerconfiguration',
            name='channel_worker_username',
            field=models.CharField(blank=True, help_text='The LMS user single-learner exports run as; blank: ENTERPRISE_CHANNEL_WORKER_USERNAME.', max_length=255, verbose_name='LMS worker username'),
        ),
        migrations.AlterField(
            model_name='cornerstoneenterprisecustomerconfiguration',
            name='completion_status_api_path',
            field=models.CharField(default='/progress', help_text="Where progress is posted, after the portal URL and the launch's callback path.", max_length=255, verbose_name='progress path'),
        ),
        migrations.AlterField(
            model_name='cornerstoneenterprisecustomerconfiguration',
            name='cornerstone_base_url',
            field=models.CharField(help_text="e.g. https://{subdomain}.csod.com; {subdomain} is filled from the learner's launch.", max_length=255, validators=[enterprise_export.validators.BaseUrlValidator(allow_subdomain_placeholder=True)], verbose_name='Cornerstone portal URL'),
        ),
        migrations.AlterField(
            model_name='cornerstoneenterprisecustomerconfiguration',
            name='created',
            field=models.DateTimeField(auto_now_add=True, help_text='When this configuration was added.', verbose_name='created'),
        ),
        migrations.AlterField(
            model_name='cornerstoneenterprisecustomerconfiguration',
            name='enterprise_customer',
            field=models.ForeignKey(help_text="The customer whose learners' completions this configuration sends.", on_delete=django.db.models.deletion.CASCADE, related_name='enterprise_export_%(class)ss', related_query_name='enterprise_export_%(class)s', to=settings.ENTERPRISE_EXPORT_CUSTOMER_MODEL, verbose_name='enterprise customer'),
        ),
        migrations.AlterField(
            model_name='cornerstoneenterprisecustomerconfiguration',
            name='imported_from_id',
            field=models.PositiveIntegerField(blank=True, editable=False, help_text="The id of edx-enterprise's configuration this one was imported from (import_integrated_channels).", null=True, unique=True, verbose_name='imported from (integrated channels id)'),
        ),
        migrations.AlterField(
            model_name='cornerstoneenterprisecustomerconfiguration',
            name='key',
            field=enterprise_export.fields.EncryptedCharField(help_text='The basic-auth user Cornerstone gave this integration for progress callbacks.', max_length=255, verbose_name='Cornerstone API user'),
        ),
        migrations.AlterField(
            model_name='cornerstoneenterprisecustomerconfiguration',
            name='modified',
            field=models.DateTimeField(auto_now=True, help_text='When this configuration was last saved.', verbose_name='modified'),
        ),
        migrations.AlterField(
            model_name='cornerstoneenterprisecustomerconfiguration',
            name='requests_per_minute',
            field=models.PositiveIntegerField(default=0, help_text='Most calls to the channel (tokens included) in any 60 seconds of a run; 0: no limit.', validators=[django.core.validators.MinValueValidator(0)], verbose_name='channel calls per minute'),
        ),
        migrations.AlterField(
            model_name='cornerstoneenterprisecustomerconfiguration',
            name='secret',
            field=enterprise_export.fields.EncryptedCharField(help_text="That user's basic-auth password (encrypted at rest).", max_length=255, verbose_name='Cornerstone API password'),
        ),
        migrations.AlterField(
            model_name='cornerstoneenterprisecustomerconfiguration',
            name='transmission_chunk_size',
            field=models.PositiveIntegerField(default=500, help_text='Enrollments read and exported together (at least 1).', validators=[django.core.validators.MinValueValidator(1)], verbose_name='enrollments per chunk'),
        ),
        migrations.AlterField(
            model_name='degreed2enterprisecustomerconfiguration',
            name='active',
            field=models.BooleanField(default=True, help_text='Runs send through this configuration only while it and its customer are active.', verbose_name='active'),
        ),
        migrations.AlterField(
            model_name='degreed2enterprisecustomerconfiguration',
            name='channel_worker_username',
            field=models.CharField(blank=True, help_text='The LMS user single-learner exports run as; blank: ENTERPRISE_CHANNEL_WORKER_USERNAME.', max_length=255, verbose_name='LMS worker username'),
        ),
        migrations.AlterField(
            model_name='degreed2enterprisecustomerconfiguration',
            name='client_id',
            field=enterprise_export.fields.EncryptedCharField(help_text='The client id Degreed issued for this integration (its scope includes completions:write).', max_length=255, verbose_name='OAuth client id'),
        ),
        migrations.AlterField(
            model_name='degreed2enterprisecustomerconfiguration',
            name='client_secret',
            field=enterprise_export.fields.EncryptedCharField(help_text='The secret of that OAuth client (encrypted at rest).', max_length=255, verbose_name='OAuth client secret'),
        ),
        migrations.AlterField(
            model_name='degreed2enterprisecustomerconfiguration',
            name='completion_status_api_path',
            field=models.CharField(default='api/v2/completions', help_text='Where completions are posted, after the API base URL.', max_length=255, verbose_name='completions path'),
        ),
        migrations.AlterField(
            model_name='degreed2enterprisecustomerconfiguration',
            name='created',
            field=models.DateTimeField(auto_now_add=True, help_text='When this configuration was added.', verbose_name='created'),
        ),
        migrations.AlterField(
            model_name='degreed2enterprisecustomerconfiguration',
            name='degreed_base_url',
            field=models.URLField(help_text="Degreed's API host, e.g. https://api.degreed.com", validators=[enterprise_export.validators.BaseUrlValidator()], verbose_name='Degreed API base URL'),
        ),
        migrations.AlterField(
            model_name='degreed2enterprisecustomerconfiguration',
            name='degreed_token_fetch_base_url',
            field=models.URLField(blank=True, help_text='Where tokens are asked for, e.g. https://degreed.com; blank: the API base URL.', validators=[enterprise_export.validators.BaseUrlValidator()], verbose_name='Degreed token base URL'),
        ),
        migrations.AlterField(
            model_name='degreed2enterprisecustomerconfiguration',
            name='enterprise_customer',
            field=models.ForeignKey(help_text="The customer whose learners' completions this configuration sends.", on_delete=django.db.models.deletion.CASCADE, related_name='enterprise_export_%(class)ss', related_query_name='enterprise_export_%(class)s', to=settings.ENTERPRISE_EXPORT_CUSTOMER_MODEL, verbose_name='enterprise customer'),
        ),
        migrations.AlterField(
            model_name='degreed2enterprisecustomerconfiguration',
            name='imported_from_id',
            field=models.PositiveIntegerField(blank=True, editable=False, help_text="The id of edx-enterprise's configuration this one was imported from (import_integrated_channels).", null=True, unique=True, verbose_name='imported from (integrated channels id)'),
        ),
        migrations.AlterField(
            model_name='degreed2enterprisecustomerconfiguration',
            name='modified',
            field=models.DateTimeField(auto_now=True, help_text='When this configuration was last saved.', verbose_name='modified'),
        ),
        migrations.AlterField(
            model_name='degreed2enterprisecustomerconfiguration',
            name='oauth_api_path',
            field=models.CharField(default='oauth/token', help_text='Where tokens are asked for, after the token base URL.', max_length=255, verbose_name='OAuth token path'),
        ),
        migrations.AlterField(
            model_name='degreed2enterprisecustomerconfiguration',
            name='requests_per_minute',
            field=models.PositiveIntegerField(default=70, help_text='Most calls to the channel (tokens included) in any 60 seconds of a run; 0: no limit.', validators=[django.core.validators.MinValueValidator(0)], verbose_name='channel calls per minute'),
        ),
        migrations.AlterField(
            model_name='degreed2enterprisecustomerconfiguration',
            name='transmission_chunk_size',
            field=models.PositiveIntegerField(default=500, help_text='Enrollments read and exported together (at least 1).', validators=[django.core.validators.MinValueValidator(1)], verbose_name='enrollments per chunk'),
        ),
        migrations.AlterField(
            model_name='degreedenterprisecustomerconfiguration',
            name='active',
            field=models.BooleanField(default=True, help_text='Runs send through this configuration only while it and its customer are active.', verbose_name='active'),
        ),
        migrations.AlterField(
            model_name='degreedenterprisecustomerconfiguration',
            name='channel_worker_username',
            field=models.CharField(blank=True, help_text='The LMS user single-learner exports run as; blank: ENTERPRISE_CHANNEL_WORKER_USERNAME.', max_length=255, verbose_name='LMS worker username'),
        ),
        migrations.AlterField(
            model_name='degreedenterprisecustomerconfiguration',
            name='completion_status_api_path',
            field=models.CharField(default='api/v1/provider/completion/course', help_text='Where completions are posted, after the base URL.', max_length=255, verbose_name='completion path'),
        ),
        migrations.AlterField(
            model_name='degreedenterprisecustomerconfiguration',
            name='created',
            field=models.DateTimeField(auto_now_add=True, help_text='When this configuration was added.', verbose_name='created'),
        ),
        migrations.AlterField(
            model_name='degreedenterprisecustomerconfiguration',
            name='degreed_base_url',
            field=models.URLField(help_text="Degreed's API host, e.g. https://api.degreed.com", validators=[enterprise_export.validators.BaseUrlValidator()], verbose_name='Degreed base URL'),
        ),
        migrations.AlterField(
            model_name='degreedenterprisecustomerconfiguration',
            name='degreed_company_id',
            field=models.CharField(help_text="The customer's organisation code at Degreed (orgCode of each completion).", max_length=255, verbose_name='Degreed organisation code'),
        ),
        migrations.AlterField(
            model_name='degreedenterprisecustomerconfiguration',
            name='enterprise_customer',
            field=models.ForeignKey(help_text="The customer whose learners' completions this configuration sends.", on_delete=django.db.models.deletion.CASCADE, related_name='enterprise_export_%(class)ss', related_query_name='enterprise_export_%(class)s', to=settings.ENTERPRISE_EXPORT_CUSTOMER_MODEL, verbose_name='enterprise customer'),
        ),
        migrations.AlterField(
            model_name='degreedenterprisecustomerconfiguration',
            name='imported_from_id',
            field=models.PositiveIntegerField(blank=True, editable=False, help_text="The id of edx-enterprise's configuration this one was imported from (import_integrated_channels).", null=True, unique=True, verbose_name='imported from (integrated channels id)'),
        ),
        migrations.AlterField(
            model_name='degreedenterprisecustomerconfiguration',
            name='key',
            field=enterprise_export.fields.EncryptedCharField(help_text='The client id Degreed issued for this integration.', max_length=255, verbose_name='OAuth client id'),
        ),
        migrations.AlterField(
            model_name='degreedenterprisecustomerconfiguration',
            name='modified',
            field=models.DateTimeField(auto_now=True, help_text='When this configuration was last saved.', verbose_name='modified'),
        ),
        migrations.AlterField(
            model_name='degreedenterprisecustomerconfiguration',
            name='oauth_api_path',
            field=models.CharField(default='oauth/token', help_text='Where tokens are asked for, after the base URL.', max_length=255, verbose_name='OAuth token path'),
        ),
        migrations.AlterField(
            model_name='degreedenterprisecustomerconfiguration',
            name='requests_per_minute',
            field=models.PositiveIntegerField(default=70, help_text='Most calls to the channel (tokens included) in any 60 seconds of a run; 0: no limit.', validators=[django.core.validators.MinValueValidator(0)], verbose_name='channel calls per minute'),
        ),
        migrations.AlterField(
            model_name='degreedenterprisecustomerconfiguration',
            name='secret',
            field=enterprise_export.fields.EncryptedCharField(help_text='The secret of that OAuth client (encrypted at rest).', max_length=255, verbose_name='OAuth client secret'),
        ),
        migrations.AlterField(
            model_name='degreedenterprisecustomerconfiguration',
            name='transmission_chunk_size',
            field=models.PositiveIntegerField(default=500, help_text='Enrollments read and exported together (at least 1).', validators=[django.core.validators.MinValueValidator(1)], verbose_name='enrollments per chunk'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='active',
            field=models.BooleanField(default=True, help_text='Runs send through this configuration only while it and its customer are active.', verbose_name='active'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='channel_worker_username',
            field=models.CharField(blank=True, help_text='The LMS user single-learner exports run as; blank: ENTERPRISE_CHANNEL_WORKER_USERNAME.', max_length=255, verbose_name='LMS worker username'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='completion_status_api_path',
            field=models.CharField(default='learning/odatav4/public/admin/ocn/v1/current-user/item/learning-event', help_text="Where a learner's learning events are posted, after the base URL.", max_length=255, verbose_name='completion path'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='created',
            field=models.DateTimeField(auto_now_add=True, help_text='When this configuration was added.', verbose_name='created'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='enterprise_customer',
            field=models.ForeignKey(help_text="The customer whose learners' completions this configuration sends.", on_delete=django.db.models.deletion.CASCADE, related_name='enterprise_export_%(class)ss', related_query_name='enterprise_export_%(class)s', to=settings.ENTERPRISE_EXPORT_CUSTOMER_MODEL, verbose_name='enterprise customer'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='idp_id',
            field=models.CharField(help_text="The LMS's third-party auth provider (e.g. saml-acme) whose remote ids are the learners' SAP user ids.", max_length=255, verbose_name='Identity provider (LMS third-party auth) id'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='imported_from_id',
            field=models.PositiveIntegerField(blank=True, editable=False, help_text="The id of edx-enterprise's configuration this one was imported from (import_integrated_channels).", null=True, unique=True, verbose_name='imported from (integrated channels id)'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='key',
            field=enterprise_export.fields.EncryptedCharField(help_text="The client id of the OAuth client registered in SuccessFactors' OAuth2 client applications.", max_length=255, verbose_name='OAuth client id'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='modified',
            field=models.DateTimeField(auto_now=True, help_text='When this configuration was last saved.', verbose_name='modified'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='oauth_api_path',
            field=models.CharField(default='learning/oauth-api/rest/v1/token', help_text='Where tokens are asked for, after the base URL.', max_length=255, verbose_name='OAuth token path'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='prevent_self_submit_grades',
            field=models.BooleanField(default=False, help_text="Send completions through SAP's admin API, with one token for the SAP admin user id below, instead of a token per learner.", verbose_name='send through the SAP admin API'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='provider_id',
            field=models.CharField(default='EDX', help_text='providerID of the learning events: the content provider id set up for this LMS in SAP.', max_length=100, verbose_name='SAP provider id'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='requests_per_minute',
            field=models.PositiveIntegerField(default=100, help_text='Most calls to the channel (tokens included) in any 60 seconds of a run; 0: no limit.', validators=[django.core.validators.MinValueValidator(0)], verbose_name='channel calls per minute'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='sapsf_base_url',
            field=models.URLField(help_text="The API host of the customer's SuccessFactors tenant, e.g. https://api4.successfactors.com", validators=[enterprise_export.validators.BaseUrlValidator()], verbose_name='SAP SuccessFactors base URL'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='sapsf_company_id',
            field=models.CharField(help_text="The company id of the customer's SuccessFactors instance (companyId in SAP's token request).", max_length=255, verbose_name='SAP company id'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='sapsf_user_id',
            field=models.CharField(blank=True, help_text='The SAP user the admin API acts as (needed when sending through the SAP admin API).', max_length=255, verbose_name='SAP admin user id'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='secret',
            field=enterprise_export.fields.EncryptedCharField(help_text='The secret of that OAuth client (encrypted at rest).', max_length=255, verbose_name='OAuth client secret'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='transmission_chunk_size',
            field=models.PositiveIntegerField(default=500, help_text='Enrollments read and exported together (at least 1).', validators=[django.core.validators.MinValueValidator(1)], verbose_name='enrollments per chunk'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='transmit_total_hours',
            field=models.BooleanField(default=False, help_text="Send the course's effort (its hours) as totalHours of each learning event.", verbose_name='send total hours'),
        ),
        migrations.AlterField(
            model_name='sapsuccessfactorsenterprisecustomerconfiguration',
            name='user_type',
            field=models.CharField(default='user', help_text='userType in the token request: "user" (a token acts as the learner) or "admin".', max_length=20, verbose_name='SAP user type'),
        ),
        migrations.AlterField(
            model_name='webhookenterprisecustomerconfiguration',
            name='active',
            field=models.BooleanField(default=True, help_text='Runs send through this configuration only while it and its customer are active.', verbose_name='active'),
        ),
        migrations.AlterField(
            model_name='webhookenterprisecustomerconfiguration',
            name='bearer_token',
            field=enterprise_export.fields.EncryptedCharField(blank=True, help_text='Sent as "Authorization: Bearer <token>" when set (encrypted at rest).', max_length=255, verbose_name='bearer token'),
        ),
        migrations.AlterField(
            model_name='webhookenterprisecustomerconfiguration',
            name='channel_worker_username',
            field=models.CharField(blank=True, help_text='The LMS user single-learner exports run as; blank: ENTERPRISE_CHANNEL_WORKER_USERNAME.', max_length=255, verbose_name='LMS worker username'),
        ),
        migrations.AlterField(
            model_name='webhookenterprisecustomerconfiguration',
            name='created',
            field=models.DateTimeField(auto_now_add=True, help_text='When this configuration was added.', verbose_name='created'),
        ),
        migrations.AlterField(
            model_name='webhookenterprisecustomerconfiguration',
            name='enterprise_customer',
            field=models.ForeignKey(help_text="The customer whose learners' completions this configuration sends.", on_delete=django.db.models.deletion.CASCADE, related_name='enterprise_export_%(class)ss', related_query_name='enterprise_export_%(class)s', to=settings.ENTERPRISE_EXPORT_CUSTOMER_MODEL, verbose_name='enterprise customer'),
        ),
        migrations.AlterField(
            model_name='webhookenterprisecustomerconfiguration',
            name='imported_from_id',
            field=models.PositiveIntegerField(blank=True, editable=False, help_text="The id of edx-enterprise's configuration this one was imported from (import_integrated_channels).", null=True, unique=True, verbose_name='imported from (integrated channels id)'),
        ),
        migrations.AlterField(
            model_name='webhookenterprisecustomerconfiguration',
            name='modified',
            field=models.DateTimeField(auto_now=True, help_text='When this configuration was last saved.', verbose_name='modified'),
        ),
        migrations.AlterField(
            model_name='webhookenterprisecustomerconfiguration',
            name='requests_per_minute',
            field=models.PositiveIntegerField(default=0, help_text='Most calls to the channel (tokens included) in any 60 seconds of a run; 0: no limit.', validators=[django.core.validators.MinValueValidator(0)], verbose_name='channel calls per minute'),
        ),
        migrations.AlterField(
            model_name='webhookenterprisecustomerconfiguration',
            name='signing_secret',
            field=enterprise_export.fields.EncryptedCharField(help_text='The HMAC-SHA256 key of the Enterprise-Export-Signature header, at least 32 characters (encrypted at rest).', max_length=255, validators=[enterprise_export.models.validate_signing_secret], verbose_name='signing secret'),
        ),
        migrations.AlterField(
            model_name='webhookenterprisecustomerconfiguration',
            name='transmission_chunk_size',
            field=models.PositiveIntegerField(default=500, help_text='Enrollments read and exported together (at least 1).', validators=[django.core.validators.MinValueValidator(1)], verbose_name='enrollments per chunk'),
        ),
        migrations.AlterField(
            model_name='webhookenterprisecustomerconfiguration',
            name='url',
            field=models.URLField(help_text='The receiver, e.g. https://hooks.example.com/completions (https; http only to a loopback host).', max_length=500, validators=[enterprise_export.validators.BaseUrlValidator()], verbose_name='Webhook URL'),
        ),
        migrations.AlterField(
            model_name='xapienterprisecustomerconfiguration',
            name='active',
            field=models.BooleanField(default=True, help_text='Runs send through this configuration only while it and its customer are active.', verbose_name='active'),
        ),
        migrations.AlterField(
            model_name='xapienterprisecustomerconfiguration',
            name='activity_base_url',
            field=models.URLField(blank=True, help_text="The base of the statements' activity ids; blank: LMS_ROOT_URL.", verbose_name='activity base URL'),
        ),
        migrations.AlterField(
            model_name='xapienterprisecustomerconfiguration',
            name='channel_worker_username',
            field=models.CharField(blank=True, help_text='The LMS user single-learner exports run as; blank: ENTERPRISE_CHANNEL_WORKER_USERNAME.', max_length=255, verbose_name='LMS worker username'),
        ),
        migrations.AlterField(
            model_name='xapienterprisecustomerconfiguration',
            name='created',
            field=models.DateTimeField(auto_now_add=True, help_text='When this configuration was added.', verbose_name='created'),
        ),
        migrations.AlterField(
            model_name='xapienterprisecustomerconfiguration',
            name='enterprise_customer',
            field=models.ForeignKey(help_text="The customer whose learners' completions this configuration sends.", on_delete=django.db.models.deletion.CASCADE, related_name='enterprise_export_%(class)ss', related_query_name='enterprise_export_%(class)s', to=settings.ENTERPRISE_EXPORT_CUSTOMER_MODEL, verbose_name='enterprise customer'),
        ),
        migrations.AlterField(
            model_name='xapienterprisecustomerconfiguration',
            name='imported_from_id',
            field=models.PositiveIntegerField(blank=True, editable=False, help_text="The id of edx-enterprise's configuration this one was imported from (import_integrated_channels).", null=True, unique=True, verbose_name='imported from (integrated channels id)'),
        ),
        migrations.AlterField(
            model_name='xapienterprisecustomerconfiguration',
            name='key',
            field=enterprise_export.fields.EncryptedCharField(help_text="The LRS client's key (its basic-auth user).", max_length=255, verbose_name='LRS key'),
        ),
        migrations.AlterField(
            model_name='xapienterprisecustomerconfiguration',
            name='lrs_endpoint',
            field=models.URLField(help_text="The LRS's base, e.g. https://lrs.example.com/xAPI; statements go to {lrs_endpoint}/statements.", validators=[enterprise_export.validators.BaseUrlValidator()], verbose_name='LRS endpoint'),
        ),
        migrations.AlterField(
            model_name='xapienterprisecustomerconfiguration',
            name='modified',
            field=models.DateTimeField(auto_now=True, help_text='When this configuration was last saved.', verbose_name='modified'),
        ),
        migrations.AlterField(
            model_name='xapienterprisecustomerconfiguration',
            name='requests_per_minute',
            field=models.PositiveIntegerField(default=0, help_text='Most calls to the channel (tokens included) in any 60 seconds of a run; 0: no limit.', validators=[django.core.validators.MinValueValidator(0)], verbose_name='channel calls per minute'),
        ),
        migrations.AlterField(
            model_name='xapienterprisecustomerconfiguration',
            name='secret',
            field=enterprise_export.fields.EncryptedCharField(help_text="The LRS client's secret (its basic-auth password, encrypted at rest).", max_length=255, verbose_name='LRS secret'),
        ),
        migrations.AlterField(
            model_name='xapienterprisecustomerconfiguration',
            name='transmission_chunk_size',
            field=models.PositiveIntegerField(default=500, help_text='Enrollments read and exported together (at least 1).', validators=[django.core.validators.MinValueValidator(1)], verbose_name='enrollments per chunk'),
        ),
        migrations.AlterField(
            model_name='xapienterprisecustomerconfiguration',
            name='version',
            field=models.CharField(default='1.0.3', help_text='The X-Experience-API-Version header.', max_length=16, verbose_name='xAPI version'),
        ),
    ]
