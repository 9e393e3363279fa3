"""Packaging of enterprise_export, a Django app for the Open edX LMS."""

import os
import re

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def read_requirements(path):
    """The requirement lines of a requirements .in file, without comments or ``-r`` includes."""
    requirements = []
    with open(os.path.join(HERE, path), encoding='utf-8') as lines:
        for line in lines:
            line = line.split('#', 1)[0].strip()
            if line and not line.startswith('-'):
                requirements.append(line)
    return requirements


def read_version():
    with open(os.path.join(HERE, 'enterprise_export', '__init__.py'), encoding='utf-8') as module:
        return re.search(r"^__version__ = '([^']+)'", module.read(), re.MULTILINE).group(1)


setup(
    name='enterprise-export',
    version=read_version(),
    description="Send enterprise learners' course completions from Open edX to SAP SuccessFactors, "
                'Degreed and Cornerstone.',
    long_description=open(os.path.join(HERE, 'README.rst'), encoding='utf-8').read(),
    long_description_content_type='text/x-rst',
    license='AGPL-3.0',
    packages=find_packages(include=['enterprise_export', 'enterprise_export.*']),
    include_package_data=True,
    python_requires='>=3.11',
    install_requires=read_requirements('requirements/base.in'),
    entry_points={
        'lms.djangoapp': ['enterprise_export = enterprise_export.apps:EnterpriseExportConfig'],
    },
    classifiers=[
        'Framework :: Django',
        'Framework :: Django :: 5.2',
        'Programming Language :: Python :: 3.11',
        'Programming Language :: Python :: 3.12',
    ],
)
