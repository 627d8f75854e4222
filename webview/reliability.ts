// The reliability diagram of the result: for each bin of calibrated P(acceptable) on the holdout, the mean
// predicted P against the share of its sentences that were acceptable, with the bin's count. Drawn as
// inline SVG built with createElementNS (no markup strings, no remote content, no inline styles: colours
// come from panel.css classes, so the strict CSP holds and the VS Code theme applies).
import type { ReliabilityBin } from '../protocol/trainerProtocol';
import { h } from './dom';

const SVG = 'http://www.w3.org/2000/svg';
const SIZE = 220;
const MARGIN = { left: 40, right: 10, top: 10, bottom: 34 };

export interface ReliabilityPoint {
  /** Centre in SVG units. */
  x: number;
  y: number;
  /** Radius: area grows with the bin's count, so the bins that carry the ECE stand out. */
  r: number;
  label: string;
  bin: ReliabilityBin;
}

/** Where each bin's point goes in a SIZE × SIZE plot: x = mean predicted P, y = observed rate (0 at the bottom). */
export function reliabilityPoints(bins: readonly ReliabilityBin[]): ReliabilityPoint[] {
  const w = SIZE - MARGIN.left - MARGIN.right;
  const hgt = SIZE - MARGIN.top - MARGIN.bottom;
  const most = Math.max(1, ...bins.map((b) => b.n));
  return bins.map((bin) => ({
    x: MARGIN.left + bin.mean_p * w,
    y: MARGIN.top + (1 - bin.observed) * hgt,
    r: 2.5 + 5.5 * Math.sqrt(bin.n / most),
    label: `P ${bin.lo.toFixed(1)}–${bin.hi.toFixed(1)}: ${bin.n} sentences, mean P ${bin.mean_p.toFixed(2)}, ${(100 * bin.observed).toFixed(0)} % acceptable`,
    bin,
  }));
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: (SVGElement | string)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

/** The figure: the diagram, its ECE and sentence count, and a table of the bins for screen readers and copying. */
export function reliabilityFigure(c: { n: number; ece: number; temperature: number; bias: number; reliability: readonly ReliabilityBin[] }): HTMLElement {
  const x0 = MARGIN.left;
  const x1 = SIZE - MARGIN.right;
  const y0 = SIZE - MARGIN.bottom;
  const y1 = MARGIN.top;
  const ticks = [0, 0.5, 1];
  const plot = svg(
    'svg',
    { class: 'reliability-plot', viewBox: `0 0 ${SIZE} ${SIZE}`, width: SIZE, height: SIZE, role: 'img', 'aria-labelledby': 'reliability-caption' },
    svg('rect', { class: 'frame', x: x0, y: y1, width: x1 - x0, height: y0 - y1 }),
    svg('line', { class: 'diagonal', x1: x0, y1: y0, x2: x1, y2: y1 }),
    ...ticks.flatMap((t) => [
      svg('text', { class: 'tick', x: x0 + t * (x1 - x0), y: y0 + 12, 'text-anchor': 'middle' }, t.toFixed(1)),
      svg('text', { class: 'tick', x: x0 - 4, y: y0 - t * (y0 - y1) + 3, 'text-anchor': 'end' }, t.toFixed(1)),
    ]),
    svg('text', { class: 'axis', x: (x0 + x1) / 2, y: SIZE - 4, 'text-anchor': 'middle' }, 'predicted P(acceptable)'),
    svg('text', { class: 'axis', x: 10, y: (y0 + y1) / 2, 'text-anchor': 'middle', transform: `rotate(-90 10 ${(y0 + y1) / 2})` }, 'observed acceptable'),
    ...reliabilityPoints(c.reliability).map((p) =>
      svg('circle', { class: 'bin', cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: p.r.toFixed(1), 'data-n': p.bin.n }, svg('title', {}, p.label)),
    ),
  );
  const table = h(
    'table',
    { class: 'reliability-bins' },
    h('thead', {}, h('tr', {}, ...['P bin', 'sentences', 'mean P', 'acceptable'].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      ...c.reliability.map((b) =>
        h('tr', {}, h('td', {}, `${b.lo.toFixed(1)}–${b.hi.toFixed(1)}`), h('td', {}, String(b.n)), h('td', {}, b.mean_p.toFixed(2)), h('td', {}, `${(100 * b.observed).toFixed(0)} %`)),
      ),
    ),
  );
  return h(
    'figure',
    { class: 'reliability', id: 'reliability' },
    h(
      'figcaption',
      { id: 'reliability-caption' },
      `Calibration on the holdout (${c.n} sentences): ECE `,
      h('strong', { id: 'holdout-ece' }, c.ece.toFixed(3)),
      // A bias (affine scaling) belongs to the P plotted here as much as the temperature does.
      ` at temperature ${c.temperature.toFixed(2)}${c.bias ? `, bias ${c.bias.toFixed(2).replace('-', '−')}` : ''}. Points on the diagonal mean P(acceptable) can be read as a frequency; bigger points hold more sentences.`,
    ),
    plot,
    h('details', {}, h('summary', {}, 'Bins'), table),
  );
}
