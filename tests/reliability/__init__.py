"""Reliability and security tests (issue #8): fuzzing, faults, crashes, load and privacy."""
