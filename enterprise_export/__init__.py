"""Send enterprise learners' course completions from Open edX to their employers' learning systems."""

__version__ = '0.1.0'
