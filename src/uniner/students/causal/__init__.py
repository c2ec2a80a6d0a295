"""The generative student: a causal LM tuned on UniversalNER conversations.

``config.py`` holds its settings, ``models.py`` loads base models (the bundled
SmolLM2 GGUF included) and saved students, ``data.py`` turns SFT conversations
into training examples, and ``train.py`` runs the transformers ``Trainer`` and
registers ``causal`` in ``uniner.students.trainers.TRAINERS``.
"""
