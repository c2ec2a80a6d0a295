"""One module per backend; each registers its factory in ``BACKENDS`` at its end."""
