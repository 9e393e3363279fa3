"""
The local stand-in for the LMS and the channels: the same URLs and JSON as SPEC sections 2 and 6.

``lms`` and ``channels`` hold what the parties know and answer requests as plain data
(``Request`` in, ``Answer`` out); ``server`` serves them over HTTP on 127.0.0.1, with the
faults of ``faults``. The tests' ``responses`` fakes answer from the same classes.
"""
