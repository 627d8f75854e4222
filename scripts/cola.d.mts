// Types of cola.mjs (plain JavaScript: npm test and npm run demo import it before anything is built).
export function colaDir(env?: NodeJS.ProcessEnv): string | undefined;
