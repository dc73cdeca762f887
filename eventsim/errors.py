"""Exceptions raised by eventsim. Every message names the offending field and value."""


class EventsimError(Exception):
    """Base class of every error eventsim raises on purpose."""


class ScheduleError(EventsimError, ValueError):
    """An event cannot be scheduled: time in the past, bad delay, unknown kind, bad priority."""


class ConfigError(EventsimError, ValueError):
    """A configuration value is missing, of the wrong type, or out of range."""


class KernelError(EventsimError, RuntimeError):
    """The compiled kernel stopped on an error raised by a handler or by its own checks."""
