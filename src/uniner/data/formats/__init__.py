"""Loaders of training-data formats: one module per format, each registering itself in ``FORMATS``.

Teacher output names mentions by their surface string; ``mentions`` places
those strings in the passage under one stated policy.  ``uniner.data.sources``
resolves a user's ``--input`` to one of these loaders.
"""
