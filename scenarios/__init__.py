"""Scripted studies that compose a network and a machine (issue 6)."""
