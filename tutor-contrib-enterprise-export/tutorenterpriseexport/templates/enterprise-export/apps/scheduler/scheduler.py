# {% raw %}  (Tutor renders this file as a template: the markers keep it as it is)
"""
The scheduler of ``tutor local``: runs one command on a standard 5-field cron schedule, in UTC.

Usage: ``python scheduler.py "0 3 * * *" -- ./manage.py lms transmit_learner_data --api_user USER``

Runs are never concurrent (like the Kubernetes CronJob's ``concurrencyPolicy: Forbid``): the
command runs in the foreground, and the schedule's times that pass while it runs are skipped.
Stopping the container (SIGTERM) stops a running command and exits. Only the Python standard
library: it runs in the openedx image. The plugin imports this file too, to check
``ENTERPRISE_EXPORT_SCHEDULE`` when Tutor loads its configuration.
"""

import datetime
import signal
import subprocess
import sys
import time

FIELDS = (
    # name, lowest, highest, names
    ('minute', 0, 59, None),
    ('hour', 0, 23, None),
    ('day of month', 1, 31, None),
    ('month', 1, 12, ('jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec')),
    ('day of week', 0, 7, ('sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat')),
)


class ScheduleError(ValueError):
    """A schedule that is not standard 5-field cron syntax."""


def _value(text, field):
    name, lowest, highest, names = field
    lowered = text.lower()
    if names and lowered in names:
        return names.index(lowered) + (1 if name == 'month' else 0)
    if not text.isdigit():
        raise ScheduleError(f'{name}: {text!r} is not a number')
    number = int(text)
    if not lowest <= number <= highest:
        raise ScheduleError(f'{name}: {number} is outside {lowest}-{highest}')
    return number


def _field_values(text, field):
    """The set of values one field allows."""
    name, lowest, highest, _names = field
    values = set()
    for part in text.split(','):
        if not part:
            raise ScheduleError(f'{name}: empty list item in {text!r}')
        base, _, step_text = part.partition('/')
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ScheduleError(f'{name}: step {step_text!r} is not a positive number')
            step = int(step_text)
        if base == '*':
            start, end = lowest, highest
        elif '-' in base:
            first, _, last = base.partition('-')
            start, end = _value(first, field), _value(last, field)
            if start > end:
                raise ScheduleError(f'{name}: range {base!r} runs backwards')
        else:
            start = _value(base, field)
            end = highest if step_text else start
        values.update(range(start, end + 1, step))
    return values


class Schedule:
    """A standard 5-field cron schedule: minute hour day-of-month month day-of-week, in UTC."""

    def __init__(self, text):
        parts = text.split()
        if len(parts) != 5:
            raise ScheduleError(f'{text!r} has {len(parts)} fields, not 5 (minute hour day-of-month month day-of-week)')
        self.text = text
        self.minutes, self.hours, self.days, self.months, weekdays = (
            _field_values(part, field) for part, field in zip(parts, FIELDS)
        )
        self.weekdays = {day % 7 for day in weekdays}  # 7 is Sunday too
        # cron's rule: when both day fields are restricted, a day matching either one runs.
        self.either_day = not parts[2].startswith('*') and not parts[4].startswith('*')

    def matches(self, moment):
        """Whether the schedule runs at ``moment``'s minute."""
        return (moment.minute in self.minutes and moment.hour in self.hours and moment.month in self.months
                and self._day_matches(moment))

    def _day_matches(self, moment):
        day_ok = moment.day in self.days
        weekday_ok = (moment.isoweekday() % 7) in self.weekdays
        return (day_ok or weekday_ok) if self.either_day else (day_ok and weekday_ok)

    def next_after(self, moment):
        """The first minute strictly after ``moment`` that the schedule matches (None: never, as 31 February)."""
        start = moment.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
        day = start.replace(hour=0, minute=0)
        for _ in range(366 * 8 + 1):  # 8 years: 29 February comes back even across 2100
            if day.month in self.months and self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate >= start:
                            return candidate
            day += datetime.timedelta(days=1)
        return None


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def log(message):
    print(f'{now():%Y-%m-%dT%H:%M:%SZ} enterprise-export-scheduler: {message}', flush=True)


def main(argv):
    if len(argv) < 3 or argv[1] != '--':
        print(__doc__, file=sys.stderr)
        return 2
    try:
        schedule = Schedule(argv[0])
    except ScheduleError as error:
        log(f'invalid ENTERPRISE_EXPORT_SCHEDULE: {error}')
        return 2
    command = argv[2:]
    running = {}

    def stop(signum, _frame):
        log(f'signal {signum}: stopping')
        child = running.get('child')
        if child is not None and child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log(f'schedule {schedule.text!r} (UTC), command: {" ".join(command)}')
    while True:
        due = schedule.next_after(now())
        if due is None:
            log('the schedule never matches: nothing to do')
            while True:
                time.sleep(3600)
        log(f'next run at {due:%Y-%m-%dT%H:%M}Z')
        while (remaining := (due - now()).total_seconds()) > 0:
            time.sleep(min(remaining, 60))  # short sleeps: a clock that jumps is followed
        log('run starts')
        started = time.monotonic()
        running['child'] = subprocess.Popen(command)
        status = running['child'].wait()
        running['child'] = None
        log(f'run ended with exit status {status} after {time.monotonic() - started:.0f} s')


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
# {% endraw %}
