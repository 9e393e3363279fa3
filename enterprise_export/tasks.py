"""
Celery tasks of enterprise_export (stable dotted names: the LMS's workers route them by name).

The package creates no Celery app: the host's (the LMS's) runs these shared tasks.
"""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from enterprise_export.channels import CHANNELS, get_channel
from enterprise_export.conf import get_setting
from enterprise_export.models import EnterpriseCustomerUser

LOGGER = logging.getLogger(__name__)


@shared_task(name='enterprise_export.tasks.transmit_learner_data')
def transmit_learner_data(username, channel_code, channel_pk):
    """Export and send every learner's data of one channel configuration; return its summary."""
    user = get_user_model().objects.get(username=username)
    channel = get_channel(channel_code)
    configuration = channel.configuration_model.objects.select_related('enterprise_customer').get(pk=channel_pk)
    summary = channel.build_transmitter(configuration).transmit(channel.build_exporter(user, configuration))
    return summary.as_dict()


@shared_task(name='enterprise_export.tasks.transmit_single_learner_data')
def transmit_single_learner_data(username, course_run_id):
    """
    Send one learner's result in one run to every active configuration of their active customers.

    Queued when the LMS says the learner passed; the export still asks the LMS, which wins.
    """
    learner_user = get_user_model().objects.filter(username=username).first()
    if learner_user is None:
        LOGGER.warning('Single-learner transmission for an unknown user', extra={'course_id': course_run_id})
        return []
    summaries = []
    learners = EnterpriseCustomerUser.objects.filter(
        user_id=learner_user.pk, active=True, enterprise_customer__active=True,
    ).select_related('enterprise_customer')
    for learner in learners:
        for channel in CHANNELS.values():
            for configuration in channel.active_configurations(learner.enterprise_customer):
                exporter = channel.build_exporter(_worker_user(configuration), configuration)
                summary = channel.build_transmitter(configuration).transmit(
                    exporter, learner_to_transmit=learner_user, course_run_id=course_run_id,
                    grade=exporter.grade_passing, is_passing=True, completed_date=timezone.now(),
                )
                summaries.append(summary.as_dict())
    return summaries


def _worker_user(configuration):
    """The configuration's ``channel_worker_username``, else ``ENTERPRISE_CHANNEL_WORKER_USERNAME``, as a user."""
    username = configuration.channel_worker_username or get_setting('ENTERPRISE_CHANNEL_WORKER_USERNAME')
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        LOGGER.warning('The channel worker user does not exist; exporting without one',
                       extra={'configuration_id': configuration.pk})
    return user
