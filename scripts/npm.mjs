// npm without a shell on every platform: the npm that runs the calling script (npm_execpath), else `npm`
// on PATH. Returns [command, args] for spawnSync.
export function npmCommand(args) {
  return process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath, ...args]] : ['npm', args];
}
