"""``manage.py rotate_channel_secrets``: write every channel secret again with the newest key."""

from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.db.models.functions import Cast

from enterprise_export.channels import CHANNELS
from enterprise_export.fields import encrypted_field_names


class Command(BaseCommand):
    help = ('Encrypt every channel configuration\'s secrets (key, secret) again with the first key of '
            'ENTERPRISE_EXPORT_SECRET_KEYS, so that older keys can be dropped from the setting.')

    def handle(self, *args, **options):
        total, skipped = 0, []
        for channel in CHANNELS.values():
            secret_fields = encrypted_field_names(channel.configuration_model)
            # The stored tokens as they are, to tell "empty" from "no key of the setting opens it".
            stored = {f'stored_{name}': Cast(name, models.TextField()) for name in secret_fields}
            with transaction.atomic():
                configurations = channel.configuration_model.objects.select_for_update().annotate(**stored)
                for configuration in configurations.order_by('pk'):
                    if _unreadable(configuration, secret_fields):
                        skipped.append(f'{channel.code} {configuration.pk}')
                        continue  # saving would overwrite the token with an empty value for good
                    configuration.save(update_fields=secret_fields)
                    total += 1
        self.stdout.write(f'{total} configuration(s) written again with the newest key.')
        if skipped:
            self.stderr.write(f'Left as they are, since no key of ENTERPRISE_EXPORT_SECRET_KEYS decrypts their '
                              f'secrets: {", ".join(skipped)}.')


def _unreadable(configuration, secret_fields):
    return any(not getattr(configuration, name) and getattr(configuration, f'stored_{name}')
               for name in secret_fields)
