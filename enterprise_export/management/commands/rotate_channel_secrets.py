"""``manage.py rotate_channel_secrets``: write every channel secret again with the newest key."""

from django.core.management.base import BaseCommand
from django.db import transaction

from enterprise_export.channels import CHANNELS
from enterprise_export.fields import encrypted_field_names


class Command(BaseCommand):
    help = ('Encrypt every channel configuration\'s secrets (key, secret) again with the first key of '
            'ENTERPRISE_EXPORT_SECRET_KEYS, so that older keys can be dropped from the setting.')

    def handle(self, *args, **options):
        total = 0
        for channel in CHANNELS.values():
            secret_fields = encrypted_field_names(channel.configuration_model)
            with transaction.atomic():
                for configuration in channel.configuration_model.objects.select_for_update().order_by('pk'):
                    configuration.save(update_fields=secret_fields)
                    total += 1
        self.stdout.write(f'{total} configuration(s) written again with the newest key.')
