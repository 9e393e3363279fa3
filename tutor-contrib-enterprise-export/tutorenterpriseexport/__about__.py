# The plugin and the app share version numbers: this is enterprise_export.__version__.
__version__ = "0.1.0"
