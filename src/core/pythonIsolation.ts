// Running Python in a user's folder without importing modules from it (issue 14: an onnx.py where
// `cola-bert train` runs was executed).

/**
 * First lines of every script we run in a user's interpreter. `python -c` and `python -m` put the working
 * folder first on sys.path, so an onnx.py or torch.py lying where `cola-bert train` runs would be imported
 * in place of the real package. `-P` does that only from Python 3.11 and `-I` would also drop PYTHONPATH
 * (the trainer folder) and the user's site-packages; the project supports 3.10, so the entry is removed
 * here, before anything else is imported (site ran earlier, and never looks at the working folder).
 */
export const DROP_CWD_FROM_PATH = "import sys\nif sys.path and sys.path[0] == '':\n    del sys.path[0]\n";

/** Arguments that run `python -m <module> <args>` without importing from the working folder. */
export function isolatedModuleArgs(module: string, args: readonly string[]): string[] {
  return ['-c', `${DROP_CWD_FROM_PATH}import runpy\nrunpy.run_module(${JSON.stringify(module)}, run_name='__main__', alter_sys=True)\n`, ...args];
}
