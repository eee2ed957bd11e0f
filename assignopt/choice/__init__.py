"""Controlled choice: students, logit preferences, deferred acceptance with income reserves."""
