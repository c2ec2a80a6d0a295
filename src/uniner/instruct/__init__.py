"""Instruction (SFT) data: conversations with negative sampling, and their rendering."""
