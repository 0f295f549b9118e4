"""gunicorn config for scripts/load_transfers.py and scripts/bench.py: empty on purpose.

They pass every setting on the command line; naming this file keeps gunicorn from reading
./gunicorn.conf.py, whose bind and worker count are for deployments.
"""
