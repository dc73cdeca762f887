"""Benchmarks of the engine itself, runnable as ``eventsim bench NAME``."""
