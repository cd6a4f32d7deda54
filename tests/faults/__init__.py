"""The fault and load suite: two gunicorn instances, PostgreSQL, Redis, faults and fuzzing."""
