// How long the suites wait for a state the workbench or the extension reaches on its own (a selector, a
// squiggle count, a hover, a quick fix). Generous: the suites must hold while other work shares the CPU,
// and waiting for a state costs nothing once the state is there; a fixed sleep would either be too short
// on a busy machine or waste time on an idle one.
export const STATE_DEADLINE_MS = 180_000;
