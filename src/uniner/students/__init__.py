"""Student models: the generative (causal LM) student and the span student."""
