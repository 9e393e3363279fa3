"""
``manage.py demo_admin_users``: the demo site's two users, made if missing (``make demo-admin``).

- a superuser, whose name and password it prints as ``username: U`` and ``password: P``;
- a staff user who may only view the app's pages and send failed completions again (the
  ``enterprise_export.send_again`` permission, SPEC 20), for the browser test.

Their passwords are set to these every time, so what it prints always logs in. The demo only:
the site listens on 127.0.0.1.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from demo.population import CUSTOMERS
from enterprise_export import models

ADMIN = ('demo-admin', 'demo-admin-password')
SEND_AGAIN_USER = ('demo-support', 'demo-support-password')
APP_LABEL = 'enterprise_export'


def send_again_user_permissions():
    """View permissions of every model of the app, and ``send_again``: nothing to add, change or delete."""
    return Permission.objects.filter(content_type__app_label=APP_LABEL).filter(
        codename__startswith='view_') | Permission.objects.filter(
        content_type__app_label=APP_LABEL, codename='send_again')


class Command(BaseCommand):
    help = "Make the demo site's superuser and its view-and-send-again staff user if missing; print how to log in."

    @transaction.atomic
    def handle(self, *args, **options):
        admin = self._user(*ADMIN, is_superuser=True)
        support = self._user(*SEND_AGAIN_USER, is_superuser=False)
        support.user_permissions.set(send_again_user_permissions())
        self.stdout.write("The demo site's superuser:")
        self.stdout.write(f'username: {admin.username}')
        self.stdout.write(f'password: {ADMIN[1]}')
        self.stdout.write('A staff user who may only view the pages and send failed completions again: '
                          f'{support.username} / {SEND_AGAIN_USER[1]}')
        self.stdout.write('Pages: /admin/ (audit rows per channel, transmission runs, configurations); '
                          "a customer's summary in the browsable API:")
        customers = models.get_customer_model()._default_manager.filter(slug__in=[slug for slug, *_ in CUSTOMERS])
        for customer in customers.order_by('slug'):
            self.stdout.write(f'  {customer.slug}: /enterprise-export/api/v1/customers/{customer.uuid}'
                              '/transmissions/summary/')

    @staticmethod
    def _user(username, password, is_superuser):
        user, _ = get_user_model().objects.get_or_create(username=username,
                                                         defaults={'email': f'{username}@example.com'})
        user.is_staff = user.is_active = True
        user.is_superuser = is_superuser
        user.set_password(password)
        user.save()
        return user
