"""``manage.py rotate_channel_secrets``: write every channel secret and learner session token again, newest key."""

from django.core.management.base import BaseCommand

from enterprise_export.channels import CHANNELS
from enterprise_export.fields import encrypt_again, encrypted_field_names

# At most this many ids of unreadable learner identities are listed; the count is always given.
LISTED_IDENTITIES = 20


class Command(BaseCommand):
    help = ('Encrypt every channel configuration\'s secrets (key, secret) and every learner\'s channel session '
            'token (Cornerstone) again with the first key of ENTERPRISE_EXPORT_SECRET_KEYS, so that older keys '
            'can be dropped from the setting.')

    def handle(self, *args, **options):
        configurations, unreadable_configurations = 0, []
        identities, unreadable_identities = 0, []
        for channel in CHANNELS.values():
            written, unreadable = encrypt_again(channel.configuration_model.objects.all())
            configurations += written
            unreadable_configurations += [f'{channel.code} {pk}' for pk in unreadable]
            if channel.identity_model is not None and encrypted_field_names(channel.identity_model):
                written, unreadable = encrypt_again(channel.identity_model.objects.all())
                identities += written
                unreadable_identities += [f'{channel.code} {pk}' for pk in unreadable]
        self.stdout.write(f'{configurations} configuration(s) and {identities} learner session token(s) written '
                          'again with the newest key.')
        # Unreadable rows keep their tokens as stored: putting back the key that made them recovers them.
        if unreadable_configurations:
            self.stderr.write(f'Left as they are, since no key of ENTERPRISE_EXPORT_SECRET_KEYS decrypts their '
                              f'secrets: {", ".join(unreadable_configurations)}.')
        if unreadable_identities:
            listed = ', '.join(unreadable_identities[:LISTED_IDENTITIES])
            more = len(unreadable_identities) - LISTED_IDENTITIES
            self.stderr.write(f'{len(unreadable_identities)} learner session token(s) left as they are, since no key '
                              f'of ENTERPRISE_EXPORT_SECRET_KEYS decrypts them (learner identities {listed}'
                              f'{f" and {more} more" if more > 0 else ""}); those learners\' records fail until '
                              'they launch the course again or the key is put back.')
