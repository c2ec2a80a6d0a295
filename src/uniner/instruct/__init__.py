"""Instruction (SFT) data: conversations with negative sampling, and their rendering.

- ``build``: Examples -> UniversalNER conversations (``build_conversations``, ``BuildConfig``);
- ``negatives``: which absent types are asked (``NEGATIVE_SAMPLERS``: frequency, uniform, none);
- ``sft``: the I/O shell of ``uniner build-sft`` (``build_sft``: sources -> file + provenance);
- ``templates``: the official UniversalNER prompt and chat templates (``PROMPT_TEMPLATES``);
- ``render``: token ids and loss labels for training (``render_conversation``), prompts for
  inference (``render_prompt_text``, ``stop_strings``).
"""
