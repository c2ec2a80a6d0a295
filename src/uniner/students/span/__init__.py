"""The span student: a bi-encoder span model on a small pretrained encoder (the CPU default).

``config`` (settings), ``features`` (words, casing, alignment), ``model``,
``decode`` (scores -> spans), ``windows`` (long texts), ``data`` (training
batches), ``sources`` (training data), ``dev`` (dev check), ``train``
(``uniner train --student span``), ``predictor`` (``SpanPredictor``, backend ``span``).
"""
