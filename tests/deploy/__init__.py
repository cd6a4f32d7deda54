"""Tests of the app as deployed: nginx terminating TLS in front of two gunicorn instances."""
