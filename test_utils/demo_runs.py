"""The demo population against a running stand-in, and the command as an operator runs it (end-to-end tests)."""

import io

from django.core.management import call_command

from demo.population import API_USERNAME, build_population, channel_urls, fill_lms, load_population


def load_demo(standin, learners_per_customer):
    """The demo population in the database and in ``standin``'s LMS, its configurations pointing at ``standin``."""
    learners = build_population(learners_per_customer)
    load_population(learners, channel_urls(standin.url))
    fill_lms(standin.lms, learners)
    return learners


def transmit_all():
    """``transmit_learner_data`` for every configuration (eager Celery); what it printed."""
    output = io.StringIO()
    call_command('transmit_learner_data', '--api_user', API_USERNAME, stdout=output)
    return output.getvalue()
