"""
Sending the records of one configuration with several in flight (``ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY``).

Worker threads only make the HTTP calls (``transmitter.call_channel``). Everything else stays in
the calling thread, as with one record at a time: the rules of SPEC section 6 (``should_send``),
what sending reads from the database (``check_ready``), and each audit write as soon as its answer
is in (``finish_record``). So the audit rows and what the channel receives are those of a
sequential send:

- a record waits while another record of its enrollment is in flight (the course-key record
  is answered before the run-id record is even considered, and not sent when the former was);
- the run's first call is made alone, so that the token it fetches serves every worker
  (and refused credentials stop the run after one record, as they do one at a time);
- a run that stops (credentials refused) first records the answers already on their way.
"""

from collections import defaultdict, deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from enterprise_export.outcomes import RunAbortedError


class ConcurrentSends:
    """Up to ``concurrency`` records of ``transmitter``'s configuration in flight; ``close()`` when done."""

    def __init__(self, transmitter, concurrency):
        self.transmitter = transmitter
        self.concurrency = concurrency
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix='channel-send')
        self._in_flight = {}  # future -> record
        self._held = defaultdict(deque)  # enrollment id -> its records waiting for the one in flight
        self._first_answered = False

    def send_batch(self, batch, sent_grades, summary):
        """Send ``batch`` (records in export order); return once every one is answered and saved."""
        queue = deque(batch)
        try:
            while queue or self._in_flight:
                self._start(queue, sent_grades, summary)
                self._finish_answered(queue, summary)
        except RunAbortedError:
            self._finish_all(summary)
            raise

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _start(self, queue, sent_grades, summary):
        transmitter = self.transmitter
        while queue and len(self._in_flight) < self._room():
            record = queue.popleft()
            enrollment_id = record.enterprise_course_enrollment_id
            if self._busy(enrollment_id):
                self._held[enrollment_id].append(record)
            elif not transmitter.should_send(record, sent_grades):
                summary.skipped += 1
            else:
                failed = transmitter.check_ready(record)
                if failed is not None:
                    transmitter.finish_record(record, failed, summary)
                else:
                    self._in_flight[self._pool.submit(transmitter.call_channel, record)] = record

    def _room(self):
        return self.concurrency if self._first_answered else 1

    def _busy(self, enrollment_id):
        return any(record.enterprise_course_enrollment_id == enrollment_id for record in self._in_flight.values())

    def _release(self, enrollment_id, queue):
        """Put the records held behind ``enrollment_id``'s last one back at the front, in order."""
        held = self._held.pop(enrollment_id, None)
        if held:
            queue.extendleft(reversed(held))

    def _finish_answered(self, queue, summary):
        if not self._in_flight:
            return
        done, _ = wait(self._in_flight, return_when=FIRST_COMPLETED)
        for future in done:
            record = self._in_flight.pop(future)
            self._first_answered = True
            self.transmitter.finish_record(record, future.result(), summary)
            self._release(record.enterprise_course_enrollment_id, queue)

    def _finish_all(self, summary):
        """Record the answers still on their way (the run is stopping: nothing new is sent)."""
        self._held.clear()
        for future, record in list(self._in_flight.items()):
            del self._in_flight[future]
            try:
                self.transmitter.finish_record(record, future.result(), summary)
            except RunAbortedError:
                pass
