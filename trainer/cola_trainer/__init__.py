"""cola_trainer: fine-tune a BERT-style encoder on CoLA, export ONNX, speak JSON lines on stdout."""
__version__ = "0.1.0"
