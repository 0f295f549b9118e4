"""Settings: `base` holds everything; `dev` (default), `test` and `production` adjust it."""
