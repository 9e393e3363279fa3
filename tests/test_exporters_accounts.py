"""The learner account an enrollment is read with: in the enrollments' own query, else asked once."""

import pytest

from enterprise_export.exporters.accounts import learner_email, learner_of, learner_username, with_learner_accounts
from enterprise_export.lms.answers import Learner
from enterprise_export.models import get_enrollment_model
from test_utils.factories import UserFactory, consenting_enrollment

pytestmark = pytest.mark.django_db


def test_read_with_the_enrollments_no_query_more(customer, django_assert_num_queries):
    user = UserFactory(username='ada', email='ada@example.com')
    consenting_enrollment(customer, user=user)
    with django_assert_num_queries(1):
        [enrollment] = with_learner_accounts(get_enrollment_model()._default_manager.all())
        assert (learner_username(enrollment), learner_email(enrollment)) == ('ada', 'ada@example.com')
        assert learner_of(enrollment) == Learner(enrollment.id, user.pk, 'ada')


def test_an_enrollment_read_without_them_asks_once(customer, django_assert_max_num_queries):
    user = UserFactory(username='bob', email='')
    enrollment = get_enrollment_model()._default_manager.get(pk=consenting_enrollment(customer, user=user).pk)
    with django_assert_max_num_queries(2):  # the learner row, when not loaded yet, and the user
        assert learner_of(enrollment) == Learner(enrollment.id, user.pk, 'bob')
        assert learner_email(enrollment) is None and learner_username(enrollment) == 'bob'
