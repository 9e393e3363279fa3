"""
The demo: a local stand-in for the LMS and the channels, demo data, and ``make demo``.

Used only by ``demo.settings`` and the tests; the installed package never imports it.
"""
