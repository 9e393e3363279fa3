"""
Worker threads for the calls of one run: the exporter's LMS fan-out, and the channel sends.

One pool type, ``Workers``, a ``concurrent.futures.Executor``: ``submit(fn, *args)`` returns a
``Future``, ``shutdown()`` (or leaving its ``with`` block) waits for what was submitted. On top
of that, ``schedule(fn, *args, urgent=, after=)`` puts a task ahead of the others, or queues it
only once another task is done, so that no worker ever blocks waiting for another task; and
``close()`` drops what has not started. With one worker every task runs at once in the
calling thread: the same code, one call after another (the reference path, one send at a time).
"""

import functools
import queue
import threading
from concurrent.futures import Executor, Future
from itertools import count

URGENT, NORMAL, STOP = 0, 1, 2


class Workers(Executor):
    """
    ``concurrency`` threads named ``{name}-{index}`` over a priority queue (urgent tasks first,
    then in the order given); with ``concurrency`` 1 or less, no thread: tasks run inline.
    """

    def __init__(self, concurrency, *, name='enterprise-export'):
        self.concurrency = max(1, int(concurrency))
        self._tasks = queue.PriorityQueue()
        self._order = count()
        self._accepting = True
        self._dropping = False
        self._waiting = {}  # order -> future of a task waiting for another to be done
        self._threads = []
        if self.concurrency > 1:
            self._threads = [threading.Thread(target=self._work, name=f'{name}-{index}', daemon=True)
                             for index in range(self.concurrency)]
            for thread in self._threads:
                thread.start()

    @property
    def threaded(self):
        """True when tasks run in worker threads; False when they run inline, as they are given."""
        return bool(self._threads)

    def submit(self, fn, /, *args, **kwargs):
        """``fn(*args, **kwargs)`` in a worker (inline with one); its ``Future``."""
        if kwargs:
            fn = functools.partial(fn, **kwargs)
        return self.schedule(fn, *args)

    def schedule(self, fn, *args, urgent=False, after=None):
        """
        ``fn(*args)`` in a worker, ahead of the tasks not ``urgent``, and not queued before the
        future ``after`` (when given) is done; its ``Future``.
        """
        if not self._accepting:
            raise RuntimeError('cannot schedule new tasks after shutdown')
        task = (URGENT if urgent else NORMAL, next(self._order), Future(), fn, args)
        if after is None or after.done():
            self._queue(task)
        else:
            self._waiting[task[1]] = task[2]
            after.add_done_callback(lambda _: self._queue(task))
        return task[2]

    def close(self):
        """Drop the tasks not started (their futures are cancelled), and wait for the running ones."""
        self.shutdown(wait=True, cancel_futures=True)

    def shutdown(self, wait=True, *, cancel_futures=False):
        """
        Take no new task; with ``cancel_futures``, cancel the queued ones (and those waiting for
        another), else let them run first; with ``wait``, return once the threads are done.
        """
        self._accepting = False
        if cancel_futures:
            self._dropping = True
            for future in list(self._waiting.values()):
                future.cancel()
            while True:
                try:
                    self._tasks.get_nowait()[2].cancel()
                except queue.Empty:
                    break
        for _ in self._threads:
            self._tasks.put((STOP, next(self._order), None, None, None))
        if wait:
            for thread in self._threads:
                thread.join()

    def _queue(self, task):
        self._waiting.pop(task[1], None)
        if self._dropping:
            task[2].cancel()
        elif not self._threads:
            _run(*task[2:])
        else:
            self._tasks.put(task)

    def _work(self):
        while True:
            task = self._tasks.get()
            if task[2] is None:
                return
            _run(*task[2:])


def _run(future, fn, args):
    if not future.set_running_or_notify_cancel():
        return
    try:
        future.set_result(fn(*args))
    except BaseException as error:  # noqa: BLE001 - handed to whoever reads the future, which raises it
        future.set_exception(error)
