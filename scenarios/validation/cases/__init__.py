"""The validation cases, one module each (see ``scenarios.validation``)."""
