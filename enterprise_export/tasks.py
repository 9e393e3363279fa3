"""
Celery tasks of enterprise_export (stable dotted names: the LMS's workers route them by name).

The package creates no Celery app: the host's (the LMS's) runs these shared tasks.
"""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone
from edx_django_utils.monitoring import set_code_owner_attribute

from enterprise_export.channels import CHANNELS, get_channel
from enterprise_export.conf import get_setting
from enterprise_export.exporters.request import EVERY_LEARNER, ExportRequest
from enterprise_export.locks import configuration_lock
from enterprise_export.models import get_customer_user_model
from enterprise_export.outcomes import TransmissionSummary
from enterprise_export.runs import RecordedRun

LOGGER = logging.getLogger(__name__)

LOCKED = 'locked'


@shared_task(name='enterprise_export.tasks.transmit_learner_data')
@set_code_owner_attribute
def transmit_learner_data(username, channel_code, channel_pk):
    """
    Export and send every learner's data of one channel configuration; return its summary.

    Holds the configuration's lock for the whole run: when another run holds it, nothing is
    sent and the summary's ``error`` is ``locked``.
    """
    user = get_user_model().objects.get(username=username)
    channel = get_channel(channel_code)
    configuration = channel.configuration_model.objects.select_related('enterprise_customer').get(pk=channel_pk)
    return transmit_under_lock(channel, configuration, user).as_dict()


def transmit_under_lock(channel, configuration, user, request=EVERY_LEARNER, *, force=False):
    """
    One configuration's run, exported as ``user``, under the configuration's lock; its summary.
    When another run holds the lock, nothing is sent: the run is recorded with ``error: locked``.
    """
    with configuration_lock(channel.code, configuration.pk) as held:
        if not held:
            return locked_run(channel.code, configuration)
        return channel.build_transmitter(configuration).transmit(channel.build_exporter(user, configuration), request,
                                                                 force=force)


def locked_run(channel_code, configuration, run_id=None):
    """Record a run that found the configuration locked (nothing sent); return its summary (``error: locked``)."""
    LOGGER.warning('%s configuration %s: another run holds its lock; nothing sent', channel_code, configuration.pk,
                   extra={'channel': channel_code, 'configuration_id': configuration.pk})
    run = RecordedRun(channel_code, configuration, run_id).start()
    summary = TransmissionSummary(channel_code, configuration.pk, configuration.enterprise_customer.slug,
                                  error=LOCKED, run_id=str(run.run_id))
    run.finish(summary)
    return summary


@shared_task(bind=True, name='enterprise_export.tasks.transmit_single_learner_data', max_retries=None)
@set_code_owner_attribute
def transmit_single_learner_data(self, username, course_run_id, configurations=None, run_ids=None, as_passed=True):
    """
    Send one learner's result in one run to every active configuration of their active customers.

    Queued when the LMS says the learner passed; the export still asks the LMS, which wins.
    A configuration whose lock another run holds is not sent alongside it: the task is retried
    later (``ENTERPRISE_EXPORT_LOCK_RETRY_SECONDS``) for those configurations only
    (``configurations``: ``[channel code, configuration id]`` pairs; None: all). ``run_ids``,
    beside ``configurations`` (one each), name those configurations' runs (the admin's "send
    again" tells them before the task runs); each configuration's run gets a new one otherwise.
    ``as_passed`` (the LMS said the learner passed) asks the export with the passing grade, and
    leaves out an enrollment already sent with it before the LMS is asked; False ("send again")
    asks the LMS alone, and the send loop decides record by record.
    """
    if run_ids is not None and (configurations is None or len(run_ids) != len(configurations)):
        raise ValueError('run_ids name the runs of configurations: give one run id per configuration')
    given_ids = {}
    if run_ids is not None:
        given_ids = {(code, pk): run_id for (code, pk), run_id in zip(configurations, run_ids, strict=True)}
    learner_user = get_user_model().objects.filter(username=username).first()
    if learner_user is None:
        LOGGER.warning('Single-learner transmission for an unknown user', extra={'course_id': course_run_id})
        return []
    wanted = None if configurations is None else {(code, pk) for code, pk in configurations}
    summaries, locked = [], []
    for channel, configuration in _learner_configurations(learner_user, wanted):
        run_id = given_ids.get((channel.code, configuration.pk))
        with configuration_lock(channel.code, configuration.pk) as held:
            if not held:
                locked_run(channel.code, configuration, run_id)
                locked.append([channel.code, configuration.pk])
                continue
            exporter = channel.build_exporter(_worker_user(configuration), configuration)
            if as_passed:
                request = ExportRequest(learner=learner_user, course_run_id=course_run_id,
                                        grade=exporter.grade_passing, is_passing=True, completed_date=timezone.now())
            else:
                request = ExportRequest(learner=learner_user, course_run_id=course_run_id)
            summary = channel.build_transmitter(configuration).transmit(exporter, request, run_id=run_id)
        summaries.append(summary.as_dict())
    if locked:
        LOGGER.info('Single-learner transmission: %s configurations locked by another run; retrying later',
                    len(locked), extra={'course_id': course_run_id})
        retried = {'username': username, 'course_run_id': course_run_id, 'configurations': locked}
        if given_ids:
            # The runs the operator was told about are these, once retried.
            retried['run_ids'] = [given_ids.get((code, pk)) for code, pk in locked]
        if not as_passed:
            retried['as_passed'] = False
        raise self.retry(kwargs=retried,
                         countdown=int(get_setting('ENTERPRISE_EXPORT_LOCK_RETRY_SECONDS')),
                         max_retries=int(get_setting('ENTERPRISE_EXPORT_LOCK_MAX_RETRIES')))
    return summaries


def _learner_configurations(learner_user, wanted):
    """``(channel, configuration)`` of every active configuration of the user's active customers."""
    learners = get_customer_user_model()._default_manager.filter(
        user_id=learner_user.pk, active=True, linked=True, enterprise_customer__active=True,
    ).select_related('enterprise_customer')
    for learner in learners:
        for channel in CHANNELS.values():
            for configuration in channel.active_configurations(learner.enterprise_customer):
                if wanted is None or (channel.code, configuration.pk) in wanted:
                    yield channel, configuration


def _worker_user(configuration):
    """The configuration's ``channel_worker_username``, else ``ENTERPRISE_CHANNEL_WORKER_USERNAME``, as a user."""
    username = configuration.channel_worker_username or get_setting('ENTERPRISE_CHANNEL_WORKER_USERNAME')
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        LOGGER.warning('The channel worker user does not exist; exporting without one',
                       extra={'configuration_id': configuration.pk})
    return user
