"""Simulated portals of each CMS family, served on loopback by the tests (tests/sites/server.py)."""
