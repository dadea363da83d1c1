"""consultui: a terminal companion for regenerative-aesthetics consultations."""

__version__ = "0.1.0"
