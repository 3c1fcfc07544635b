"""Typed helpers shared by the test suite (imported as ``tests.helpers.<module>``)."""
