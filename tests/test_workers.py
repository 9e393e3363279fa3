"""The worker pool of a run: futures, urgent tasks first, tasks after others, inline with one worker, close."""

import threading
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, wait

import pytest

from enterprise_export.workers import Workers


def test_submit_returns_a_future_of_the_result():
    with Workers(4) as workers:
        futures = [workers.submit(pow, base, 2) for base in range(10)]
        assert [future.result(timeout=5) for future in futures] == [base * base for base in range(10)]


def test_keyword_arguments_and_exceptions_reach_the_future():
    with Workers(2) as workers:
        assert workers.submit(int, '10', base=2).result(timeout=5) == 2
        with pytest.raises(ValueError):
            workers.submit(int, 'not a number').result(timeout=5)


def test_the_futures_work_with_concurrent_futures_wait():
    release = threading.Event()
    with Workers(2) as workers:
        slow = workers.submit(release.wait, 5)
        quick = workers.submit(sum, [1, 2])
        done, _ = wait([slow, quick], timeout=5, return_when=FIRST_COMPLETED)
        assert done == {quick}
        release.set()


def test_threads_are_named_after_the_pool():
    with Workers(3, name='channel-send') as workers:
        names = {workers.submit(lambda: threading.current_thread().name).result(timeout=5) for _ in range(20)}
    assert names <= {'channel-send-0', 'channel-send-1', 'channel-send-2'}
    assert not [thread for thread in threading.enumerate() if thread.name.startswith('channel-send')]


@pytest.mark.parametrize('concurrency', [1, 0])
def test_one_worker_runs_each_task_at_once_in_the_calling_thread(concurrency):
    workers = Workers(concurrency)
    assert not workers.threaded
    future = workers.submit(lambda: threading.current_thread())
    assert future.done() and future.result() is threading.current_thread()
    workers.close()


def test_urgent_tasks_go_first_then_in_the_order_given():
    held, free = threading.Event(), threading.Event()
    started = []
    with Workers(2) as workers:
        workers.submit(held.wait, 5)  # one worker held until the end
        gate = workers.submit(free.wait, 5)  # the other, until every task below is queued
        for name, urgent in [('a', False), ('b', True), ('c', False), ('d', True)]:
            workers.schedule(started.append, name, urgent=urgent)
        free.set()
        gate.result(timeout=5)
        workers.schedule(held.set)
    assert started == ['b', 'd', 'a', 'c']


@pytest.mark.parametrize('concurrency', [1, 4])
def test_a_task_after_another_is_not_started_before_it_is_done(concurrency):
    before = Future()
    ran = []
    with Workers(concurrency) as workers:
        after = workers.schedule(ran.append, 'after', after=before)
        assert not after.done() and ran == []
        before.set_result(None)
        after.result(timeout=5)
    assert ran == ['after']


def test_close_drops_the_tasks_not_started_and_waits_for_the_running_ones():
    running, release = threading.Event(), threading.Event()
    finished = []

    def long_task():
        running.set()
        release.wait(5)
        finished.append('long')

    workers = Workers(2)
    long_future = workers.submit(long_task)
    blocker = workers.submit(release.wait, 5)
    running.wait(5)
    queued = [workers.submit(finished.append, index) for index in range(5)]
    waiting = workers.schedule(finished.append, 'waiting', after=Future())
    threading.Timer(0.05, release.set).start()
    workers.close()
    assert long_future.done() and blocker.done() and finished == ['long']
    assert all(future.cancelled() for future in queued)
    with pytest.raises(CancelledError):
        waiting.result(timeout=0)  # its task would have been queued after the close: cancelled, never hanging
    assert not [thread for thread in threading.enumerate() if thread.name.startswith('enterprise-export')]


def test_shutdown_runs_what_was_submitted_and_takes_nothing_new():
    done = []
    workers = Workers(3)
    for index in range(20):
        workers.submit(done.append, index)
    workers.shutdown(wait=True)
    assert sorted(done) == list(range(20))
    with pytest.raises(RuntimeError):
        workers.submit(done.append, 'late')
