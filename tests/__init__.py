"""Tests for Recovery Check."""
