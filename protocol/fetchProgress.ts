// What the CLI and the panel say while the trainer fetches an offline encoder (`fetch` events), in one place.
import type { FetchEvent } from './trainerProtocol';

const VERBS: Record<FetchEvent['phase'], string> = { download: 'downloaded', verify: 'joined and hashed', unpack: 'unpacked', ready: 'ready' };

function seconds(s: number): string {
  return s < 60 ? `${s.toFixed(0)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** One line per event: a few per phase, so plain lines serve terminals, logs and the panel alike. */
export function describeFetch(e: FetchEvent): string {
  if (e.phase === 'ready') {
    return e.cached
      ? `Using ${e.model} from ${e.path} (cached, verified)`
      : `Fetched and verified ${e.model} into ${e.path}${e.elapsed_s !== undefined ? ` in ${seconds(e.elapsed_s)}` : ''}`;
  }
  const mb = (n: number | undefined) => (n === undefined ? '?' : (n / 1e6).toFixed(0));
  return `${e.model} (fetched once per machine): ${VERBS[e.phase]} ${mb(e.done_bytes)} of ${mb(e.total_bytes)} MB`;
}
