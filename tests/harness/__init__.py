"""Helpers shared by more than one test suite (on pytest's pythonpath as `harness`)."""
