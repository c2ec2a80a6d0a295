"""Data formats, loaders and the dataset registry (first stage of the pipeline)."""
